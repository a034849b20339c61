// Project pages at desktop and mobile widths, with the 24,811 demonstration projects
// loaded at first start: French search, filters, a project's page, the territory
// page's projects section. No console error, no failed request, no CSP violation,
// zero axe-core violations; a full-page screenshot of each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot } from './browser.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function check(page, name, viewport, problems) {
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await screenshot(page, `${viewport}-${name}`);
  assert.deepEqual(await axe(page), [], `axe-core on ${name}`);
  assert.deepEqual(problems, [], `problems on ${name}`);
}

for (const viewport of ['desktop', 'mobile']) {
  describe(`projects (${viewport})`, () => {
    test('search in French, then a project', TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport });
      try {
        await page.goto(`${BASE_URL}/projets`, { waitUntil: 'networkidle' });
        assert.match(await page.textContent('[role=status]'), /24\s?811 projets trouvés/);
        await page.fill('#projets-q', 'rénovation école');
        await page.fill('#projets-territoire', 'departement:42');
        await page.click('form[action="/projets"] button[type=submit]');
        await page.waitForLoadState('networkidle');
        assert.match(await page.textContent('h1'), /Projets « rénovation école »/);
        assert.match(await page.textContent('[role=status]'), /projets? trouvés? dans le territoire Loire/);
        const names = (await page.$$eval('tbody a', (as) => as.map((a) => a.textContent.toLowerCase())));
        assert.ok(names.length > 0);
        assert.ok(names.every((n) => /r[ée]nov|[ée]col/.test(n)), names.join(' | '));
        await check(page, 'projets-recherche', viewport, problems);
        await page.click('tbody a');
        await page.waitForLoadState('networkidle');
        assert.match(await page.textContent('#financement-titre'), /Plan de financement/);
        assert.match(await page.textContent('main'), /%/);
        assert.match(await page.textContent('#historique-titre'), /Historique/);
        await check(page, 'projet', viewport, problems);
      } finally {
        await context.close();
      }
    });

    test('verb forms and plurals without JavaScript', TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport, javaScript: false });
      try {
        await page.goto(`${BASE_URL}/projets?q=r%C3%A9nover+les+%C3%A9coles&phase=operation`, { waitUntil: 'networkidle' });
        assert.match(await page.textContent('[role=status]'), /projets trouvés/);
        assert.equal(await page.locator('#projets-phase option[selected]').getAttribute('value'), 'operation');
        // axe-core needs scripts: the same page with them is checked above.
        await screenshot(page, `${viewport}-projets-sans-js`);
        assert.deepEqual(problems, [], 'problems without JavaScript');
      } finally {
        await context.close();
      }
    });

    test('territory page: projects section', TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport });
      try {
        await page.goto(`${BASE_URL}/territoires/commune/42218`, { waitUntil: 'networkidle' });
        const section = await page.textContent('section[aria-labelledby=projets-titre]');
        assert.match(section, /projets? dans ce territoire/);
        assert.match(section, /subventions de l’État/);
        await page.click('section[aria-labelledby=projets-titre] a.fr-link');
        await page.waitForLoadState('networkidle');
        assert.match(await page.textContent('[role=status]'), /dans le territoire Saint-Étienne/);
        await check(page, 'territoire-projets', viewport, problems);
      } finally {
        await context.close();
      }
    });
  });
}
