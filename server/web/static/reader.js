// The document reader (/source/<key>): the passage one came for (#excerpt-<name>, or ?passage=<name>) is marked
// apart and scrolled into view, and a passage's facts open beside it (right after its last words) instead of at the
// foot of the page. Without JavaScript a passage links to its facts in the list below the text.
(function () {
  "use strict";

  function pieces(text, name) {
    return Array.prototype.filter.call(text.querySelectorAll(".passage[data-passages]"), function (piece) {
      return piece.dataset.passages.split(" ").indexOf(name) >= 0;
    });
  }

  // The child of the text that holds ``node`` (a passage piece may sit inside <strong> or <i>).
  function topLevel(text, node) {
    while (node.parentNode && node.parentNode !== text) node = node.parentNode;
    return node;
  }

  function start() {
    var text = document.querySelector(".source-text");
    var template = document.getElementById("passage-facts-template");
    if (!text || !template) return;
    var help = document.querySelector(".reader-help");
    if (help) help.hidden = false;
    var open = null;

    function close() {
      if (open) open.remove();
      open = null;
    }

    function mark(name) {
      text.querySelectorAll(".passage.current").forEach(function (piece) {
        piece.classList.remove("current");
        piece.removeAttribute("aria-current");
      });
      var found = pieces(text, name);
      found.forEach(function (piece) {
        piece.classList.add("current");
        piece.setAttribute("aria-current", "true");
      });
      return found;
    }

    function show(name, scroll) {
      var found = mark(name);
      close();
      if (!found.length) return;
      var facts = document.getElementById("facts-" + name);
      var box = template.content.firstElementChild.cloneNode(true);
      var body = box.querySelector(".passage-facts-body");
      if (facts) {
        Array.prototype.forEach.call(facts.children, function (child) {
          if (child.tagName !== "A") body.appendChild(child.cloneNode(true));
        });
      }
      box.id = "passage-facts";
      box.querySelector(".close-facts").addEventListener("click", function () {
        var last = found[found.length - 1];
        close();
        last.focus();
      });
      var last = topLevel(text, found[found.length - 1]);
      last.parentNode.insertBefore(box, last.nextSibling);
      open = box;
      if (scroll) found[0].scrollIntoView({ block: "center" });
    }

    text.addEventListener("click", function (event) {
      var piece = event.target.closest && event.target.closest("a.passage");
      if (!piece || !text.contains(piece)) return;
      event.preventDefault();
      var name = piece.getAttribute("href").replace(/^#facts-/, "");
      show(name, false);
      history.replaceState(null, "", "#excerpt-" + name);
    });

    function arrived() {
      var hash = decodeURIComponent(window.location.hash.replace(/^#/, ""));
      var name = hash.indexOf("excerpt-") === 0 ? hash.slice("excerpt-".length) : "";
      if (!name) name = new URLSearchParams(window.location.search).get("passage") || "";
      if (name) show(name, true);
    }
    window.addEventListener("hashchange", arrived);
    arrived();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
