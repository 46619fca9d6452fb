// The query editor on /query: YASGUI (vendored) over this server's /sparql, replacing the plain form.
// Without JavaScript, or if YASGUI fails to load, the form (#query-form) and the server-rendered result stay.
(function () {
  "use strict";

  function start() {
    var holder = document.getElementById("yasgui");
    var form = document.getElementById("query-form");
    var textarea = document.getElementById("query-text");
    if (!holder || !form || !textarea || !window.Yasgui) return;

    // Same origin only: the endpoint, the prefixes and the share links all point at this server.
    var endpoint = new URL(holder.dataset.endpoint, window.location.href).href;
    var Yasqe = window.Yasgui.Yasqe;
    // Before creating the editor: the class/property autocompleters call an outside service as one types.
    Yasqe.defaults.autocompleters = ["prefixes", "variables"];
    Yasqe.defaults.prefixCcApi = new URL(holder.dataset.prefixes, window.location.href).href;
    Yasqe.defaults.requestConfig.endpoint = endpoint;
    window.Yasgui.defaults.requestConfig.endpoint = endpoint;

    // YASGUI's share button makes links like /query#query=…&endpoint=…
    var shared = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var yasgui = new window.Yasgui(holder, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; },
        keys: [],
      },
      copyEndpointOnNewTab: true,
      populateFromUrl: false, // a shared link is read below: its query only, never its endpoint
      persistenceId: null, // no tabs or endpoints kept in localStorage
      autofocus: false,
      tabName: shared.get("tabTitle") || holder.dataset.tabName || "Query",
      yasqe: { value: shared.get("query") || textarea.value },
    });

    accessible(holder, yasgui);

    // The editor replaces the form; the server's answer stays until the editor runs a query.
    form.hidden = true;
    holder.classList.add("ready");
    yasgui.on("query", function () {
      var answer = document.getElementById("answer");
      if (answer) answer.hidden = true;
    });

    var entries = document.querySelectorAll(".catalogue-entry");
    Array.prototype.forEach.call(entries, function (entry) {
      var button = entry.querySelector(".load-query");
      var text = entry.querySelector(".query-text");
      var title = entry.querySelector("h3");
      if (!button || !text) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var tab = yasgui.addTab(true, {
          name: title ? title.textContent.trim() : entry.dataset.name,
          yasqe: { value: text.textContent },
          requestConfig: { endpoint: endpoint },
        });
        holder.scrollIntoView({ block: "start" });
        tab.query().catch(function () {}); // YASGUI shows the server's error itself
      });
    });
    window.migkgYasgui = yasgui; // for the browser tests and the curious
  }

  // YASGUI leaves a few controls unnamed and puts its "+" button inside the tablist (where only tabs
  // belong): name them, and move the button beside the tablist (YASGUI then appends new tabs at its end).
  var NAMES = [
    [".CodeMirror textarea", "SPARQL query"],
    ["input.autocomplete", "SPARQL endpoint"],
    [".tab input[type=text]", "Tab name"],
    ["select.tableSizer", "Rows per page"],
  ];

  function accessible(holder, yasgui) {
    function name() {
      NAMES.forEach(function (pair) {
        holder.querySelectorAll(pair[0] + ":not([aria-label])").forEach(function (el) {
          el.setAttribute("aria-label", pair[1]);
        });
      });
      holder.querySelectorAll("input:not([aria-label]), select:not([aria-label])").forEach(function (el) {
        var hint = el.getAttribute("placeholder") || el.getAttribute("title");
        if (hint && !el.labels.length) el.setAttribute("aria-label", hint);
      });
      var tabs = yasgui.tabElements;
      var list = holder.querySelector(".tabsList");
      if (tabs && list && tabs.addTabEl && tabs.addTabEl.parentNode === list) {
        var row = document.createElement("div");
        row.className = "tabs-row";
        list.parentNode.insertBefore(row, list);
        row.appendChild(list);
        row.appendChild(tabs.addTabEl);
        tabs.addTabEl = null;
      }
    }
    name();
    new MutationObserver(name).observe(holder, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
