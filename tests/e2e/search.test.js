// The territory search box, with scripts (suggestions as you type) and without
// (the plain form and the results page).
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

describe('search box', () => {
  for (const viewport of ['desktop', 'mobile']) {
    test(`suggests as you type, keyboard to the territory (${viewport})`, TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport });
      try {
        await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' });
        const input = page.locator('#recherche-accueil-champ');
        assert.equal(await input.getAttribute('role'), 'combobox');
        await input.click();
        await input.pressSequentially('saint-etienne', { delay: 30 });
        const first = page.locator('[role="option"]').first();
        // The exact name ranks first once the last keystroke's answer is in.
        await page.waitForFunction(() => document.querySelector('[role="option"] .cohesion-suggest__name')?.textContent === 'Saint-Étienne');
        assert.equal(await input.getAttribute('aria-expanded'), 'true');
        await input.press('ArrowDown');
        assert.equal(await first.getAttribute('aria-selected'), 'true');
        assert.equal(await input.getAttribute('aria-activedescendant'), await first.getAttribute('id'));
        await screenshot(page, `${viewport}-suggestions`);
        assert.deepEqual(await axe(page), [], 'axe-core with the suggestions open');
        await Promise.all([page.waitForURL('**/territoires/commune/42218'), input.press('Enter')]);
        assert.equal((await page.textContent('h1')).trim(), 'Saint-Étienne');
        await input.waitFor({ state: 'detached' }).catch(() => {});
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test('Escape closes the suggestions; Enter without a choice submits the form', TIMEOUT, async () => {
    const { context, page, problems } = await open(browser);
    try {
      await page.goto(BASE_URL + '/territoires', { waitUntil: 'networkidle' });
      const input = page.locator('#recherche-champ');
      await input.pressSequentially('lyon', { delay: 30 });
      await page.locator('[role="option"]').first().waitFor();
      await input.press('Escape');
      assert.equal(await input.getAttribute('aria-expanded'), 'false');
      await Promise.all([page.waitForURL('**/territoires?q=lyon*'), input.press('Enter')]);
      assert.match(await page.textContent('h1'), /Recherche « lyon »/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  for (const viewport of ['desktop', 'mobile']) {
    test(`works without JavaScript: form, results, filter, pages (${viewport})`, TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport, javaScript: false });
      try {
        await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' });
        const input = page.locator('#recherche-accueil-champ');
        assert.equal(await input.getAttribute('role'), null, 'no combobox without scripts');
        // What DSFR's script opens on demand is shown open: the menu, the breadcrumb.
        assert.ok(await page.locator('#navigation-principale a:has-text("Territoires")').isVisible(), 'menu shown');
        assert.equal(await page.locator('footer button:has-text("Paramètres d’affichage")').isVisible(), false);
        // (axe-core needs scripts: the same markup is audited with them in pages.test.js.)
        await screenshot(page, `${viewport}-sans-js-accueil`);
        await input.fill('saint etienne');
        await Promise.all([page.waitForURL('**/territoires?q=saint+etienne'), input.press('Enter')]);
        assert.match(await page.textContent('h1'), /Recherche « saint etienne »/);
        await page.selectOption('#filtre-type', 'epci');
        await Promise.all([page.waitForURL('**type=epci'), page.click('button:has-text("Filtrer")')]);
        await screenshot(page, `${viewport}-sans-js-resultats`);
        await Promise.all([page.waitForURL('**/territoires/epci/244200770'), page.click('a[href="/territoires/epci/244200770"]')]);
        assert.equal((await page.textContent('h1')).trim(), 'Saint-Étienne Métropole');
        // Sort and paginate the components table by links alone.
        await page.goto(BASE_URL + '/territoires/departement/42?liste=commune', { waitUntil: 'networkidle' });
        await Promise.all([page.waitForURL('**tri=population**'), page.click('th a:has-text("Population")')]);
        await Promise.all([page.waitForURL('**page=2**'), page.click('.fr-pagination a:has-text("Page suivante")')]);
        assert.equal(await page.getAttribute('.fr-pagination [aria-current="page"]', 'title'), 'Page 2');
        assert.ok(await page.locator('.fr-breadcrumb a:has-text("Auvergne-Rhône-Alpes")').isVisible(), 'breadcrumb shown');
        await screenshot(page, `${viewport}-sans-js-departement`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
