// Cohésion: starts the OpenAPI viewer of /api/docs (Swagger UI, vendored) on the
// platform's own document. A file of its own, not an inline script, so that the page
// keeps the strict Content-Security-Policy of every page.
//
// Swagger UI draws a few things that the pages' accessibility rules refuse; they are
// corrected after each of its renders (colours are in app.css, `.cohesion-api-docs`):
// - (its `<main>` of the operations, a second main landmark inside ours, is a named
//   region in the vendored copy itself: vendor.sh);
// - its title is a second `<h1>`: it is announced as a level-2 heading, so that the
//   operation groups (`<h3>`) follow in order;
// - each operation's summary is a button holding a link (nested interactive
//   controls): the link's address is removed, the button opens the operation and the
//   viewer writes the address itself (deep linking);
// - in an opened operation, the examples that scroll are made focusable and the
//   parameters' lists of values are named after their parameter.
const root = document.getElementById('swagger-ui');

function accessible() {
  for (const h1 of root.querySelectorAll('h1')) {
    if (h1.getAttribute('aria-level') !== '2') h1.setAttribute('aria-level', '2');
  }
  for (const link of root.querySelectorAll('.opblock-summary-control a[href]')) {
    link.removeAttribute('href');
  }
  for (const code of root.querySelectorAll('.microlight:not([tabindex])')) {
    code.setAttribute('tabindex', '0');
  }
  for (const select of root.querySelectorAll('tr[data-param-name] select:not([aria-label])')) {
    select.setAttribute('aria-label', select.closest('tr').dataset.paramName);
  }
}

if (root && window.SwaggerUIBundle) {
  new MutationObserver(accessible).observe(root, { childList: true, subtree: true });
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
