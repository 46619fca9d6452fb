// /docs: Swagger UI (vendored in /static/vendor/swagger-ui) over this server's OpenAPI description. Started here
// rather than from an inline script (the Content-Security-Policy allows none); asks nothing of another host
// (no validator badge). Exposes window.migkgSwagger for the browser tests.
(function () {
  "use strict";

  function start() {
    var holder = document.getElementById("swagger-ui");
    if (!holder || typeof window.SwaggerUIBundle === "undefined") return;
    window.migkgSwagger = window.SwaggerUIBundle({
      url: new URL(holder.dataset.url, window.location.href).href,
      domNode: holder,
      deepLinking: true,
      validatorUrl: null,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
