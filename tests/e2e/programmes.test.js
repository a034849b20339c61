// The programme pages and the territory page's programmes section, at desktop and
// mobile widths: no console error, no failed request, no CSP violation, zero axe-core
// violations; a full-page screenshot of each. Also usable without JavaScript.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot } from './browser.js';

const PAGES = [
  { name: 'programmes', path: '/programmes', h1: /Programmes nationaux d’appui/, text: /Petites villes de demain/ },
  { name: 'programme-pvd', path: '/programmes/pvd', h1: /^Petites villes de demain$/, text: /Recoupements avec les autres programmes/ },
  { name: 'programme-fs', path: '/programmes/fs?page=2', h1: /^France services$/, text: /lieux France services/ },
  { name: 'programme-ti', path: '/programmes/ti', h1: /Territoires d’industrie/, text: /Par département/ },
  { name: 'commune-programmes', path: '/territoires/commune/42181', h1: /^Régny$/, text: /Territoires d’industrie[\s\S]*France services/ },
  { name: 'departement-programmes', path: '/territoires/departement/42', h1: /^Loire$/, text: /couverts par chaque programme/ },
];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const viewport of ['desktop', 'mobile']) {
  describe(`programme pages (${viewport})`, () => {
    for (const p of PAGES) {
      test(`${p.name} ${p.path}`, TIMEOUT, async () => {
        const { context, page, problems } = await open(browser, { viewport });
        try {
          const response = await page.goto(BASE_URL + p.path, { waitUntil: 'networkidle' });
          assert.equal(response.status(), 200);
          assert.equal(await page.getAttribute('html', 'lang'), 'fr');
          assert.match((await page.textContent('h1')).trim(), p.h1);
          assert.match(await page.textContent('main'), p.text);
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

describe('programme pages without JavaScript', () => {
  test('the members table pages through links', TIMEOUT, async () => {
    const { context, page } = await open(browser, { javaScript: false });
    try {
      await page.goto(BASE_URL + '/programmes/pvd', { waitUntil: 'load' });
      await page.click('a.fr-pagination__link--next');
      assert.match(page.url(), /page=2/);
      assert.equal(await page.getAttribute('.fr-pagination__link[aria-current="page"]', 'title'), 'Page 2');
      await page.click('a[href="/programmes/fs"]');
      assert.match((await page.textContent('h1')).trim(), /France services/);
    } finally {
      await context.close();
    }
  });
});

// Updating a member list from the dashboard, as the admin run.sh creates: a bad file
// shows its faulty lines with their numbers, a good one its preview, then applying it
// changes the members. On `acv2` (Action cœur de ville 2), which no other test reads.
describe('member list update (admin)', () => {
  const EMAIL = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
  const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';
  const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
  const current = async (page) => {
    const text = await page.textContent('.cohesion-figures li:first-child');
    return Number(text.replace(/\D/g, ''));
  };

  test('bad file, then preview and apply', TIMEOUT, async () => {
    const { context, page, problems } = await open(browser, { viewport: 'desktop' });
    try {
      await page.goto(`${BASE_URL}/connexion`, { waitUntil: 'networkidle' });
      await page.fill('#courriel', EMAIL);
      await page.fill('#mot-de-passe-champ', PASSWORD);
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/connexion"] button[type=submit]')]);
      await page.goto(`${BASE_URL}/programmes/acv2`, { waitUntil: 'networkidle' });
      const before = await current(page);
      assert.ok(before > 3, `acv2 has its shipped members (${before})`);
      assert.match(await page.textContent('#import-titre'), /Mettre à jour la liste des membres/);

      page.expectedStatus = 400;
      await page.setInputFiles('#import-fichier', fixture('acv2-bad-test.csv'));
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/programmes/acv2/import"] button[type=submit]')]);
      assert.match(await page.textContent('.fr-alert--error'), /2 erreurs : rien n’a été enregistré/);
      const lines = await page.$$eval('table tbody tr td:first-child', (tds) => tds.map((td) => td.textContent.trim()));
      assert.deepEqual(lines, ['3', '4']);
      await screenshot(page, 'desktop-import-erreurs');
      assert.deepEqual(await axe(page), [], 'axe-core on the faults page');

      page.expectedStatus = undefined;
      await page.setInputFiles('#import-fichier', fixture('acv2-list-test.csv'));
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/programmes/acv2/import"] button[type=submit]')]);
      assert.match((await page.textContent('h1')).trim(), /^Mettre à jour la liste des membres/);
      const figures = await page.textContent('.cohesion-figures');
      assert.match(figures, /1\s*ajout\b/);
      assert.match(figures, /1\s*modification\b/);
      assert.match(await page.textContent('main'), /Régny/);
      await screenshot(page, 'desktop-import-apercu');
      assert.deepEqual(await axe(page), [], 'axe-core on the preview');

      // Most members leave: applying asks for the confirmation box (required).
      await page.click('label[for="confirmer-retraits"]');
      assert.ok(await page.isChecked('#confirmer-retraits'), 'the box is ticked through its label');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('button:has-text("Appliquer ces changements")')]);
      assert.match(page.url(), /\/programmes\/acv2\?info=import/);
      assert.match(await page.textContent('.fr-alert--success'), /1 ajout, \d+ retraits?, 1 modification\./);
      assert.equal(await current(page), 3, 'the three listed territories are the current members');
      await screenshot(page, 'desktop-import-applique');
      assert.deepEqual(await axe(page), [], 'axe-core on the dashboard after the update');

      // The action plan and the eligibility rule forms.
      await page.goto(`${BASE_URL}/programmes/acv2/actions/nouvelle`, { waitUntil: 'networkidle' });
      await page.fill('#action-intitule', 'Requalifier les entrées de ville');
      await page.click('label[for="action-transition-ecological"]');
      await page.selectOption('#action-statut', 'in_progress');
      await screenshot(page, 'desktop-action-nouvelle');
      assert.deepEqual(await axe(page), [], 'axe-core on the action form');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/programmes/acv2/actions"] button[type=submit]:not([name])')]);
      assert.match(await page.textContent('#plan-titre + ul'), /Requalifier les entrées de ville — En cours ; transitions : écologique/);
      await page.goto(`${BASE_URL}/programmes/acv2/eligibilite`, { waitUntil: 'networkidle' });
      await page.fill('#regle-pop-min', '5000');
      await screenshot(page, 'desktop-regle-eligibilite');
      assert.deepEqual(await axe(page), [], 'axe-core on the eligibility form');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/programmes/acv2/eligibilite"] button[type=submit]')]);
      assert.match(await page.textContent('.fr-alert--success'), /La règle d’éligibilité est enregistrée/);
      assert.deepEqual(problems, [], 'problems');
    } finally {
      await context.close();
    }
  });
});
