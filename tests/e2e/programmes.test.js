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
