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
    // Ours completes the ontology's terms from this server instead (terms(), below).
    Yasqe.registerAutocompleter(ontologyTerms(holder), false);
    Yasqe.defaults.autocompleters = ["prefixes", "variables", "migkgTerms"];
    Yasqe.defaults.prefixCcApi = new URL(holder.dataset.prefixes, window.location.href).href;
    Yasqe.defaults.requestConfig.endpoint = endpoint;
    var Yasr = window.Yasgui.Yasr;
    Yasr.defaults.errorRenderers = [explainedError].concat(Yasr.defaults.errorRenderers || []);
    httpLinksOnly(Yasr.plugins && Yasr.plugins.table);
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

  // Only http(s) IRIs become links in the result table, as on the server-rendered pages: YASR would link any
  // IRI a result holds (BIND(IRI("javascript:…")), a partner's data); others are shown as text, <like this>.
  function httpLinksOnly(Table) {
    if (!Table || !Table.prototype.getUriLinkFromBinding) return;
    var link = Table.prototype.getUriLinkFromBinding;
    Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
      if (/^https?:\/\//i.test(binding.value)) return link.call(this, binding, prefixes);
      var text = document.createElement("span");
      text.className = "iri";
      text.textContent = "<" + binding.value + ">";
      return text.outerHTML;
    };
  }

  // A malformed query comes back explained as JSON (YASGUI asks for SPARQL JSON): show it as the /query form
  // does, the message, the query's line with a caret under the column, and the hint. Other errors: YASGUI's own.
  function explainedError(error) {
    var explained;
    try {
      explained = JSON.parse(error && error.text);
    } catch (e) {
      return undefined;
    }
    if (!explained || explained.error !== "malformed query") return undefined;
    var box = document.createElement("div");
    box.className = "query-error";
    var where = explained.line ? " at line " + explained.line + ", column " + explained.column : "";
    var parts = [
      ["p", "", "Malformed query" + where + ": " + explained.message],
      ["pre", "query-excerpt", explained.excerpt],
      ["p", "query-hint", explained.hint ? "Hint: " + explained.hint : ""],
    ];
    parts.forEach(function (part) {
      if (!part[2]) return;
      var element = document.createElement(part[0]);
      element.className = part[1];
      element.textContent = part[2];
      box.appendChild(element);
    });
    return box;
  }

  // Completion of the ontology's classes and properties (mig:heldIn, with its label; its comment as tooltip),
  // from /api/vocabulary (read once) and the predeclared prefixes of /api/prefixes: a prefix declared in the
  // query wins, as it does on the endpoint. Nothing is asked of another host.
  function ontologyTerms(holder) {
    var loaded = null;
    function load() {
      if (!loaded) {
        var get = function (path) {
          var url = new URL(path, window.location.href).href;
          return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : {}; });
        };
        loaded = Promise.all([get(holder.dataset.vocabulary), get(holder.dataset.prefixes)])
          .then(function (found) { return { terms: found[0].terms || [], prefixes: found[1] || {} }; })
          .catch(function () { return { terms: [], prefixes: {} }; });
      }
      return loaded;
    }
    function split(text) {
      var match = /^([A-Za-z][\w.-]*)?:([\w.-]*)$/.exec(text || "");
      return match ? { prefix: match[1] || "", local: match[2] } : null;
    }
    return {
      name: "migkgTerms",
      bulk: false,
      autoShow: true,
      isValidCompletionPosition: function (yasqe) {
        var token = yasqe.getCompleteToken();
        var previous = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, token);
        return !!split(token.string) && !(previous && /^prefix$/i.test(previous.string));
      },
      get: function (yasqe, token) {
        var name = split(token && token.string);
        if (!name) return Promise.resolve([]);
        return load().then(function (data) {
          var namespace = yasqe.getPrefixesFromQuery()[name.prefix] || data.prefixes[name.prefix];
          var wanted = name.local.toLowerCase();
          return data.terms
            .filter(function (t) { return t.iri === namespace + t.name && t.name.toLowerCase().indexOf(wanted) === 0; })
            .map(function (t) { return name.prefix + ":" + t.name; });
        });
      },
      postprocessHints: function (yasqe, hints) {
        return load().then(function (data) {
          var byName = {};
          data.terms.forEach(function (t) { byName[t.name] = t; });
          return hints.map(function (hint) {
            var term = byName[hint.text.slice(hint.text.indexOf(":") + 1)] || {};
            hint.className = "migkg-term-hint";
            hint.render = function (element) {
              element.textContent = hint.text + (term.label ? " — " + term.label : "");
              if (term.comment) element.title = term.comment;
              element.dataset.kind = term.kind || "";
            };
            return hint;
          });
        });
      },
    };
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
