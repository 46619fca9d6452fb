// The network: draws #network-data (the same edges as the lists in #network-table) with cytoscape.
// Clicking a node re-centres the network on it. Exposes window.migkgNetwork (the cytoscape instance) and sets
// document.body.dataset.pictureReady = "true" once the layout has finished.
(function () {
  "use strict";
  var container = document.getElementById("network");
  var data = document.getElementById("network-data");
  if (!container || !data || typeof cytoscape === "undefined") return;
  var network = JSON.parse(data.textContent);
  var depth = new URLSearchParams(window.location.search).get("depth") === "2" ? "2" : "1";

  var elements = network.nodes.map(function (n) {
    return { data: { id: n.iri, label: n.label, page: n.page, kind: n.kind, depth: n.depth }, classes: n.focus ? "focus" : n.kind };
  });
  network.edges.forEach(function (e, i) {
    elements.push({ data: { id: "e" + i, source: e.source, target: e.target, label: e.label }, classes: [e.directed ? "directed" : "", e.derived ? "derived" : ""].join(" ").trim() });
  });

  container.hidden = false;
  var help = document.querySelector(".picture-help");
  if (help) help.hidden = false;
  var cy = cytoscape({
    container: container,
    elements: elements,
    minZoom: 0.2, maxZoom: 3,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 140, "text-valign": "bottom",
        "text-margin-y": 4, "color": "#1b1b1b", "background-color": "#6b8fb8", "width": 18, "height": 18,
        "text-background-color": "#ffffff", "text-background-opacity": 0.8, "text-background-padding": 1 } },
      { selector: "node.event", style: { "shape": "round-rectangle", "background-color": "#c9b98a" } },
      { selector: "node.practice", style: { "shape": "diamond", "background-color": "#7aa874" } },
      { selector: "node.country, node.place", style: { "shape": "hexagon", "background-color": "#b07aa1" } },
      { selector: "node.government", style: { "background-color": "#9fb8d6" } },
      { selector: "node.person", style: { "shape": "ellipse", "background-color": "#d9a06b" } },
      { selector: "node.focus", style: { "background-color": "#0b5394", "width": 30, "height": 30, "font-weight": "bold", "font-size": 13 } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#9a9a9a", "curve-style": "bezier",
        "label": network.edges.length > 30 ? "" : "data(label)", "font-size": 9,
        "color": "#5a5a5a", "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.8 } },
      { selector: "edge.directed", style: { "target-arrow-shape": "triangle", "target-arrow-color": "#9a9a9a" } },
      { selector: "edge.derived", style: { "line-style": "dashed" } },
      { selector: "edge.near", style: { "label": "data(label)", "line-color": "#0b5394" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#f3c400" } }
    ],
    layout: { name: "concentric", concentric: function (node) { return 10 - node.data("depth"); },
              levelWidth: function () { return 1; }, minNodeSpacing: 40, animate: false }
  });
  // Hovering a node shows the labels of its edges (hidden when there are many).
  cy.on("mouseover", "node", function (event) { event.target.connectedEdges().addClass("near"); });
  cy.on("mouseout", "node", function (event) { event.target.connectedEdges().removeClass("near"); });
  cy.on("tap", "node", function (event) {
    var node = event.target;
    if (node.hasClass("focus")) return;
    window.location.href = "/network?focus=" + encodeURIComponent(node.id()) + "&depth=" + depth;
  });
  window.migkgNetwork = cy;
  cy.ready(function () { document.body.dataset.pictureReady = "true"; });
})();
