// A commitment document's items (templates/document_items.html): the buttons that open or close every item, and
// the item a link points to (#item-…) opened, with the paragraph it is part of, and scrolled into view.
(function () {
  "use strict";
  var section = document.getElementById("document-items");
  if (!section) return;
  var controls = section.querySelector(".item-controls");
  var items = section.querySelectorAll("details.document-item");
  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-details]");
      if (!button) return;
      var open = button.dataset.details === "open";
      items.forEach(function (item) { item.open = open; });
    });
  }
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || !target.matches("details.document-item")) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.matches && node.matches("details")) node.open = true;
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
