// The network: draws #network-data (the same edges as the lists in #network-table) with cytoscape.
// Clicking a node re-centres the network on it. Readable at depth 2: the relations drawn can be filtered
// (#network-controls), only the STEP closest nodes are drawn at first ("Show more" adds the next STEP), and where
// two names would overlap only the closer node's is written (the other shows on hover).
// Exposes window.migkgNetwork (the cytoscape instance) and sets document.body.dataset.pictureReady = "true" once
// the layout has finished (and again after each change of filter or of the number of nodes drawn).
(function () {
  "use strict";
  var container = document.getElementById("network");
  var data = document.getElementById("network-data");
  if (!container || !data || typeof cytoscape === "undefined") return;
  var network = JSON.parse(data.textContent);
  var depth = new URLSearchParams(window.location.search).get("depth") === "2" ? "2" : "1";
  var STEP = 30;

  // Nodes by closeness: depth, then how many edges they have, then name.
  var degree = {};
  network.edges.forEach(function (e) {
    degree[e.source] = (degree[e.source] || 0) + 1;
    degree[e.target] = (degree[e.target] || 0) + 1;
  });
  var ranked = network.nodes.slice().sort(function (a, b) {
    return (a.depth - b.depth) || ((degree[b.iri] || 0) - (degree[a.iri] || 0)) || a.label.localeCompare(b.label);
  });
  var rank = {};
  ranked.forEach(function (n, i) { rank[n.iri] = i; });

  var elements = network.nodes.map(function (n) {
    return { data: { id: n.iri, label: n.label, page: n.page, kind: n.kind, depth: n.depth, rank: rank[n.iri] },
             classes: n.focus ? "focus" : n.kind };
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
      { selector: "node.unlabelled", style: { "label": "" } },
      { selector: "node.unlabelled.hover", style: { "label": "data(label)", "z-index": 10 } },
      { selector: "node.off, edge.off", style: { "display": "none" } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#9a9a9a", "curve-style": "bezier",
        "label": network.edges.length > 30 ? "" : "data(label)", "font-size": 9,
        "color": "#5a5a5a", "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.8 } },
      { selector: "edge.directed", style: { "target-arrow-shape": "triangle", "target-arrow-color": "#9a9a9a" } },
      { selector: "edge.derived", style: { "line-style": "dashed" } },
      { selector: "edge.near", style: { "label": "data(label)", "line-color": "#0b5394" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#f3c400" } }
    ]
  });

  // The relations drawn (a checkbox per relation) and how many nodes are drawn.
  var controls = document.getElementById("network-controls");
  var shown = Math.min(STEP, ranked.length);
  var hiddenRelations = {};
  var labels = [];
  network.edges.forEach(function (e) { if (labels.indexOf(e.label) < 0) labels.push(e.label); });
  labels.sort();
  if (controls) {
    var box = controls.querySelector(".relation-filters");
    var template = document.getElementById("relation-filter");
    labels.forEach(function (label) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.querySelector("span").textContent = label;
      var input = item.querySelector("input");
      input.value = label;
      input.addEventListener("change", function () {
        hiddenRelations[label] = !input.checked;
        draw();
      });
      box.appendChild(item);
    });
    controls.querySelector("#network-more").addEventListener("click", function () {
      shown = Math.min(shown + STEP, ranked.length);
      draw();
    });
    controls.addEventListener("submit", function (event) { event.preventDefault(); });
    controls.hidden = false;
  }

  function boxes(a, b) {
    return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
  }

  // Writes the names of the closest nodes first; a name that would overlap one already written is left out.
  function placeLabels(nodes) {
    var placed = [];
    nodes.removeClass("unlabelled");
    nodes.sort(function (a, b) { return a.data("rank") - b.data("rank"); }).forEach(function (node) {
      var label = node.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
      if (label.w === 0) return;
      if (placed.some(function (other) { return boxes(label, other); })) {
        node.addClass("unlabelled");
      } else {
        placed.push(label);
      }
    });
  }

  function draw() {
    document.body.dataset.pictureReady = "false";
    cy.batch(function () {
      cy.elements().removeClass("off");
      cy.nodes().forEach(function (n) { if (n.data("rank") >= shown && !n.hasClass("focus")) n.addClass("off"); });
      cy.edges().forEach(function (e) {
        if (hiddenRelations[e.data("label")] || e.source().hasClass("off") || e.target().hasClass("off")) e.addClass("off");
      });
      // A node left with no edge drawn is not drawn either (the focus always is).
      cy.nodes().forEach(function (n) {
        if (!n.hasClass("focus") && !n.hasClass("off") && n.connectedEdges().not(".off").length === 0) n.addClass("off");
      });
    });
    var visible = cy.nodes().not(".off");
    if (controls) {
      controls.querySelector("[data-shown]").textContent = String(visible.length);
      controls.querySelector("[data-total]").textContent = String(ranked.length);
      controls.querySelector("#network-more").hidden = shown >= ranked.length;
    }
    var layout = visible.union(visible.edgesWith(visible).not(".off")).layout({
      name: "concentric", concentric: function (node) { return 10 - node.data("depth"); },
      levelWidth: function () { return 1; }, minNodeSpacing: 45, avoidOverlap: true,
      nodeDimensionsIncludeLabels: false, animate: false, fit: true, padding: 30
    });
    layout.one("layoutstop", function () {
      placeLabels(visible);
      document.body.dataset.pictureReady = "true";
    });
    layout.run();
  }

  // Hovering a node shows its name and the labels of its edges (hidden when there are many).
  cy.on("mouseover", "node", function (event) {
    event.target.addClass("hover");
    event.target.connectedEdges().addClass("near");
  });
  cy.on("mouseout", "node", function (event) {
    event.target.removeClass("hover");
    event.target.connectedEdges().removeClass("near");
  });
  cy.on("tap", "node", function (event) {
    var node = event.target;
    if (node.hasClass("focus")) return;
    window.location.href = "/network?focus=" + encodeURIComponent(node.id()) + "&depth=" + depth;
  });
  window.migkgNetwork = cy;
  cy.ready(draw);
})();
