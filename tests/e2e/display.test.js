// DSFR behaviours that need its script: display settings (dark theme, kept across
// pages) and the mobile menu. Audited by axe-core like every page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot } from './browser.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the display settings switch to the dark theme, kept on the next page', TIMEOUT, async () => {
  const { context, page, problems } = await open(browser);
  try {
    await page.goto(BASE_URL + '/territoires/departement/42', { waitUntil: 'networkidle' });
    await page.click('footer button:has-text("Paramètres d’affichage")');
    const dialog = page.locator('#parametres-affichage');
    await dialog.waitFor({ state: 'visible' });
    await page.click('label[for="fr-radios-theme-dark"]');
    await page.waitForFunction(() => document.documentElement.getAttribute('data-fr-theme') === 'dark');
    await page.click('#parametres-affichage button:has-text("Fermer")');
    await dialog.waitFor({ state: 'hidden' });
    await page.goto(BASE_URL + '/territoires/region/84', { waitUntil: 'networkidle' });
    assert.equal(await page.getAttribute('html', 'data-fr-theme'), 'dark');
    await screenshot(page, 'desktop-region-sombre');
    assert.deepEqual(await axe(page), [], 'axe-core in the dark theme');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the mobile menu opens and leads to the territories', TIMEOUT, async () => {
  const { context, page, problems } = await open(browser, { viewport: 'mobile' });
  try {
    await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' });
    const link = page.locator('#navigation-principale a:has-text("Territoires")');
    assert.equal(await link.isVisible(), false, 'menu closed at first');
    await page.click('#bouton-menu');
    await link.waitFor({ state: 'visible' });
    await screenshot(page, 'mobile-menu', { fullPage: false });
    assert.deepEqual(await axe(page), [], 'axe-core with the menu open');
    await Promise.all([page.waitForURL('**/territoires'), link.click()]);
    assert.equal((await page.textContent('h1')).trim(), 'Territoires');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
