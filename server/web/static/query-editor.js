// The query workspace on /query. Without JavaScript the page is a form, one results area and the catalogue; this
// script replaces the form's text area with YASQE (vendored, the editor of YASGUI: completion, syntax check), keeps
// the downloads and the link to share made from the text as it is now, and filters the catalogue as one types.
// Results are always the server's (one results area): running the query submits the form.
(function () {
  "use strict";

  // Query type as YASQE names it → the query form the endpoint's formats serve (data-forms on each download).
  var FORMS = { SELECT: "solutions", ASK: "boolean", CONSTRUCT: "graph", DESCRIBE: "graph" };

  function start() {
    searchCatalogue();
    var holder = document.getElementById("yasqe");
    var form = document.getElementById("query-form");
    var textarea = document.getElementById("query-text");
    var Yasqe = window.Yasqe || (window.Yasgui && window.Yasgui.Yasqe);
    if (!holder || !form || !textarea || !Yasqe) return;

    // Same origin only: the prefixes and terms come from this server; nothing is asked of another host.
    var endpoint = new URL(holder.dataset.endpoint, window.location.href).href;
    // Before creating the editor: the class/property autocompleters call an outside service as one types.
    // Ours completes the ontology's terms from this server instead (ontologyTerms(), below).
    Yasqe.registerAutocompleter(ontologyTerms(holder), false);
    Yasqe.defaults.autocompleters = ["prefixes", "variables", "migkgTerms"];
    Yasqe.defaults.prefixCcApi = new URL(holder.dataset.prefixes, window.location.href).href;
    Yasqe.defaults.requestConfig.endpoint = endpoint;

    var ran = textarea.value; // the text the results area answers (or the default query)
    var yasqe = new Yasqe(holder, {
      value: ran,
      requestConfig: { endpoint: endpoint },
      showQueryButton: false, // the form's own button runs it, below the code (never over it)
      persistenceId: null, // nothing kept in localStorage
      createShareableLink: null, // the page's own link to share, beside the form
      consumeShareLink: null,
      editorHeight: "auto", // as tall as the query: no scroll box inside the page
      resizeable: false,
      viewportMargin: Infinity,
    });
    // Ctrl+Enter (YASQE's key for running) runs the form, as the button does.
    yasqe.query = function () {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
      return Promise.resolve();
    };
    form.addEventListener("submit", function () {
      textarea.value = yasqe.getValue();
    });
    textarea.hidden = true;
    textarea.required = false;
    holder.classList.add("ready");
    accessible(holder);

    var update = function () { follow(yasqe, ran, form.dataset.entry); };
    yasqe.on("change", update);
    update();
    window.migkgYasqe = yasqe; // for the browser tests and the curious
  }

  // The downloads and the link to share follow the text in the editor; a result computed for other text says so.
  function follow(yasqe, ran, entry) {
    var text = yasqe.getValue();
    var form = FORMS[String(yasqe.getQueryType() || "").toUpperCase()];
    var stem = entry && text === ran ? entry : "query";
    var share = document.getElementById("share-link");
    if (share) share.href = "/query?" + new URLSearchParams({ query: text }).toString();
    document.querySelectorAll("a.download").forEach(function (link) {
      link.href = "/sparql?" + new URLSearchParams({ query: text, format: link.dataset.format }).toString();
      link.setAttribute("download", stem + "." + link.dataset.format);
      if (form) link.hidden = link.dataset.forms.split(" ").indexOf(form) < 0;
    });
    var stale = document.getElementById("stale-answer");
    if (stale) stale.hidden = text === ran;
  }

  // The catalogue, filtered as one types: an entry stays when every word is in its title, description or the
  // classes its query uses (the server's data-search, the same text /query?find= searches).
  function searchCatalogue() {
    var search = document.getElementById("catalogue-search");
    var input = document.getElementById("catalogue-find");
    var count = document.querySelector("#catalogue-count .found");
    if (!search || !input) return;
    var entries = Array.prototype.slice.call(document.querySelectorAll(".catalogue-entry[data-search]"));
    var filter = function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      entries.forEach(function (entry) {
        var text = entry.dataset.search;
        entry.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
        if (!entry.hidden) shown += 1;
      });
      if (count) count.textContent = String(shown);
    };
    input.addEventListener("input", filter);
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      filter();
    });
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

  // The editor's own text field takes the form's label (the hidden text area had it).
  function accessible(holder) {
    var label = document.getElementById("query-label");
    var field = holder.querySelector(".CodeMirror textarea");
    if (!field) return;
    field.id = field.id || "query-code";
    if (label) label.htmlFor = field.id;
    else field.setAttribute("aria-label", "SPARQL query");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
