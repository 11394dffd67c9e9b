// The API reference at /api/docs: Swagger UI (vendor/swagger-ui-bundle.js, Apache-2.0),
// served from this site so the Content-Security-Policy needs no CDN and no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // The schema is this site's own; no validator badge fetched from elsewhere.
    validatorUrl: null
  });
}());
