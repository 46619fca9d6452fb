// The timeline: draws the events of #timeline-data (the same rows as #timeline-table) with vis-timeline.
// Exposes window.migkgTimeline and sets document.body.dataset.pictureReady = "true" once drawn.
(function () {
  "use strict";
  var container = document.getElementById("timeline");
  var data = document.getElementById("timeline-data");
  if (!container || !data || typeof vis === "undefined") return;
  var events = JSON.parse(data.textContent);
  if (events.length === 0) { document.body.dataset.pictureReady = "true"; return; }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  var precisions = JSON.parse(container.dataset.precisions || "{}");  // the page's words for year, month, day
  function word(precision) { return precisions[precision] || precision; }

  var kinds = [];
  var items = events.map(function (e, i) {
    if (kinds.indexOf(e.kind.label) < 0) kinds.push(e.kind.label);
    var title = document.createElement("div");
    title.appendChild(text("strong", e.label));
    title.appendChild(text("div", e.text + " (" + word(e.start.precision) + (e.end && e.end.precision !== e.start.precision ? " / " + word(e.end.precision) : "") + ")"));
    if (e.series.length) title.appendChild(text("div", container.dataset.series + " " + e.series.map(function (s) { return s.label; }).join("; ")));
    if (e.part_of) title.appendChild(text("div", container.dataset.partOf + " " + e.part_of.label));
    var content = document.createElement("span");
    content.appendChild(text("span", e.label));
    content.appendChild(text("span", " " + e.text, "when"));
    return {
      // A day (or a few days) is a point with its label; a month or a year is a bar spanning it.
      id: i, content: content, title: title, start: e.from,
      end: e.start.precision === "day" ? undefined : e.until, type: e.start.precision === "day" ? "point" : "range",
      group: e.kind.label, className: "precision-" + e.start.precision, page: e.page
    };
  });
  var groups = kinds.sort().map(function (k) { return { id: k, content: k }; });

  container.hidden = false;
  var help = document.querySelector(".picture-help");
  if (help) help.hidden = false;
  // Open on the middle 90 % of the events (an outlier decades away would squeeze the rest); zoom out for all.
  var low = Math.floor(events.length * 0.05), high = Math.ceil(events.length * 0.95) - 1;
  var first = new Date(events[low].from), last = new Date(events[high].until);
  var pad = Math.max((last - first) / 20, 1000 * 60 * 60 * 24 * 30);
  var timeline = new vis.Timeline(container, new vis.DataSet(items), new vis.DataSet(groups), {
    stack: true, zoomable: true, moveable: true, orientation: "top", selectable: true,
    start: new Date(first.getTime() - pad), end: new Date(last.getTime() + pad),
    zoomMin: 1000 * 60 * 60 * 24 * 7, tooltip: { followMouse: true }, maxHeight: "70vh", verticalScroll: true,
    groupOrder: "id"
  });
  timeline.on("select", function (props) {
    var page = props.items.length === 1 && items[props.items[0]].page;
    if (page) window.location.href = page; // "" for an IRI that is not http(s): no page to open
  });
  window.migkgTimeline = timeline;
  // Ready once vis has drawn the items (its first "changed" event), not merely created the widget.
  timeline.on("changed", function () {
    if (document.body.dataset.pictureReady !== "true" && container.querySelector(".vis-item")) {
      document.body.dataset.pictureReady = "true";
    }
  });
})();
