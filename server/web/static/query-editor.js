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

    var yasgui = new window.Yasgui(holder, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; },
        keys: [],
      },
      copyEndpointOnNewTab: true,
      // A shared link (#query=…) opens its query, but always on this server's endpoint.
      populateFromUrl: function (tab) {
        tab.requestConfig = Object.assign({}, tab.requestConfig, { endpoint: endpoint });
        return tab;
      },
      persistenceId: null, // no tabs or endpoints kept in localStorage
      autofocus: false,
      tabName: holder.dataset.tabName || "Query",
      yasqe: { value: textarea.value },
    });

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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
