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

// Issue 17, point 8: no page scrolls sideways on a phone (the closed mobile menu once
// made département, EPCI, région and PVD pages 418–434 px wide), and the commune
// page's programmes table fits a 1280 px screen without its own scroll bar.
test('no page is wider than a 390 px phone; the programmes table fits 1280 px', TIMEOUT, async () => {
  const paths = ['/', '/territoires/commune/42218', '/territoires/commune/61006', '/territoires/departement/42',
    '/territoires/epci/244200770', '/territoires/region/84', '/programmes', '/programmes/pvd', '/programmes/te',
    '/pactes', '/projets', '/indicateurs', '/evaluations', '/ingenierie', '/api/docs'];
  const phone = await open(browser, { viewport: 'mobile' });
  try {
    const wide = [];
    for (const path of paths) {
      await phone.page.goto(BASE_URL + path, { waitUntil: 'networkidle' });
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) wide.push(`${path}: ${width} px`);
    }
    assert.deepEqual(wide, [], 'pages wider than the phone');
    assert.deepEqual(phone.problems, []);
  } finally {
    await phone.context.close();
  }
  const desktop = await open(browser);
  try {
    for (const commune of ['42218', '61006']) {
      await desktop.page.goto(BASE_URL + `/territoires/commune/${commune}`, { waitUntil: 'networkidle' });
      const [table, room] = await desktop.page.evaluate(() => {
        const t = document.querySelector('#programmes table');
        return t ? [t.scrollWidth, t.closest('.fr-table__container').clientWidth] : [0, 0];
      });
      assert.ok(table <= room, `commune ${commune}: programmes table ${table} px in ${room} px`);
    }
    const text = await desktop.page.textContent('#programmes');
    assert.ok(!/\bAI\b/.test(text), 'scheme codes spelled out');
    await screenshot(desktop.page, 'desktop-commune-programmes');
    assert.deepEqual(desktop.problems, []);
  } finally {
    await desktop.context.close();
  }
});
