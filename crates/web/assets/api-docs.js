// Cohésion: starts the OpenAPI viewer of /api/docs (Swagger UI, vendored) on the
// platform's own document. A file of its own, not an inline script, so that the page
// keeps the strict Content-Security-Policy of every page.
const root = document.getElementById('swagger-ui');
if (root && window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // No call to an outside validator: the page asks nothing of another site.
    validatorUrl: null,
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
  });
}
