// Every page type at desktop and mobile widths: no console error, no failed request,
// no CSP violation, zero axe-core violations; a full-page screenshot of each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot } from './browser.js';

const PAGES = [
  { name: 'accueil', path: '/', h1: /interventions de l’État/ },
  { name: 'recherche', path: '/territoires?q=saint', h1: /Recherche « saint »/ },
  { name: 'recherche-filtre', path: '/territoires?q=lyon&type=commune', h1: /Recherche « lyon »/ },
  { name: 'commune', path: '/territoires/commune/42218', h1: /^Saint-Étienne$/ },
  { name: 'commune-outre-mer', path: '/territoires/commune/97411', h1: /Saint-Denis/ },
  { name: 'arrondissement', path: '/territoires/arrondissement_municipal/69381', h1: /Lyon 1er/ },
  { name: 'epci', path: '/territoires/epci/244200770', h1: /Saint-Étienne Métropole/ },
  { name: 'departement', path: '/territoires/departement/42?liste=commune&tri=population&ordre=desc', h1: /^Loire$/ },
  { name: 'region', path: '/territoires/region/84?page=2', h1: /Auvergne-Rhône-Alpes/ },
  { name: 'accessibilite', path: '/accessibilite', h1: /Déclaration d’accessibilité/ },
  { name: 'mentions-legales', path: '/mentions-legales', h1: /Mentions légales/ },
  { name: 'donnees-personnelles', path: '/donnees-personnelles', h1: /Données personnelles/ },
  { name: 'plan-du-site', path: '/plan-du-site', h1: /Plan du site/ },
  { name: 'api-docs', path: '/api/docs', h1: /API ouverte/, ready: '.swagger-ui .opblock-tag' },
  // The same with its first operation opened (parameters, examples, responses).
  {
    name: 'api-docs-operation', path: '/api/docs', h1: /API ouverte/, ready: '.swagger-ui .opblock-tag',
    open: '.opblock-summary-control', opened: '.opblock-body',
  },
  { name: '404', path: '/nulle-part', h1: /Page non trouvée/, status: 404 },
];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const viewport of ['desktop', 'mobile']) {
  describe(`pages (${viewport})`, () => {
    for (const p of PAGES) {
      test(`${p.name} ${p.path}`, TIMEOUT, async () => {
        const { context, page, problems } = await open(browser, { viewport });
        try {
          page.expectedStatus = p.status ?? 200;
          const response = await page.goto(BASE_URL + p.path, { waitUntil: 'networkidle' });
          assert.equal(response.status(), p.status ?? 200);
          assert.equal(await page.getAttribute('html', 'lang'), 'fr');
          assert.match((await page.textContent('h1')).trim(), p.h1);
          // A page that draws itself from a script: wait until it has.
          if (p.ready) await page.waitForSelector(p.ready);
          if (p.open) {
            await page.click(p.open);
            await page.waitForSelector(p.opened);
          }
          // DSFR's script ran (it marks the root element).
          assert.equal(await page.getAttribute('html', 'data-fr-js'), 'true');
          await screenshot(page, `${viewport}-${p.name}`);
          const violations = await axe(page);
          assert.deepEqual(violations, [], `axe-core on ${p.path}`);
          assert.deepEqual(problems, [], `problems on ${p.path}`);
        } finally {
          await context.close();
        }
      });
    }
  });
}
