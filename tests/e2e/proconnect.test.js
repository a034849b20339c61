// "S'identifier avec ProConnect" end to end against a real OpenID provider started by
// run.sh (oidc.js: npm oidc-provider configured like ProConnect): the button, the
// provider's sign-in, the checks of our server (state, nonce, signatures, userinfo JWT),
// the account and its organisation from the siret claim, and logout at the provider.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot } from './browser.js';

const EMAIL = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';
const SIRET = process.env.OIDC_SIRET ?? '13000548100002';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// Problems met on our own pages (the provider's pages are not ours to judge: its
/// missing favicon shows as a console "Failed to load resource" without address; a
/// failed resource of ours is also recorded as "HTTP <status>: <our address>").
const ours = (problems) => problems.filter(
  (p) => p.includes(BASE_URL) || !(p.includes('http') || p.includes('Failed to load resource')),
);

test('an agent signs in with ProConnect and out again', TIMEOUT, async () => {
  // The agent's employer, registered by an admin, is found from the siret claim.
  const admin = await open(browser);
  try {
    const { page } = admin;
    await page.goto(`${BASE_URL}/connexion`, { waitUntil: 'networkidle' });
    await page.fill('#courriel', EMAIL);
    await page.fill('#mot-de-passe-champ', PASSWORD);
    await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/connexion"] button')]);
    await page.goto(`${BASE_URL}/administration/organisations`, { waitUntil: 'networkidle' });
    await page.selectOption('#org-type', 'partner');
    await page.fill('#org-nom', 'Partenaire ProConnect');
    await page.fill('#org-siret', SIRET);
    await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/administration/organisations"] button.fr-btn:not([name])')]);
    assert.match(await page.textContent('table'), /Partenaire ProConnect/);
  } finally {
    await admin.context.close();
  }

  const { context, page, problems } = await open(browser);
  try {
    await page.goto(`${BASE_URL}/connexion`, { waitUntil: 'networkidle' });
    assert.match(await page.textContent('.fr-connect'), /S’identifier avec\s*ProConnect/);
    await screenshot(page, 'desktop-connexion-proconnect');
    assert.deepEqual(await axe(page), [], 'axe-core on the sign-in page with ProConnect');

    await Promise.all([page.waitForURL(/\/interaction\//), page.click('button.fr-connect')]);
    const authorize = page.url();
    assert.ok(authorize.startsWith('http://127.0.0.1:') && !authorize.startsWith(BASE_URL), 'at the provider');
    await page.fill('#login', 'agathe');
    await Promise.all([page.waitForURL(`${BASE_URL}/mon-espace`), page.click('button[type=submit]')]);
    await page.waitForLoadState('networkidle');
    assert.match(await page.textContent('main'), /Mon espace/, 'sign-in lands on the space');
    await page.goto(`${BASE_URL}/profil`, { waitUntil: 'networkidle' });
    const main = await page.textContent('main');
    assert.match(main, /Agathe Dupont/);
    assert.match(main, /agathe@interieur\.gouv\.fr/);
    assert.match(main, /Partenaire ProConnect/, 'organisation from the siret claim');
    assert.match(await page.textContent('.fr-header__tools'), /Agathe Dupont/);
    await screenshot(page, 'desktop-profil-proconnect');
    assert.deepEqual(await axe(page), [], 'axe-core on the profile');

    // Logout goes through the provider and comes back signed out.
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(`${BASE_URL}/connexion?info=deconnexion`)),
      page.click('.fr-header__tools form[action="/deconnexion"] button'),
    ]);
    assert.match(await page.textContent('.fr-header__tools'), /Se connecter/);
    // The provider's session ended too: it asks to sign in again.
    await Promise.all([page.waitForURL(/\/interaction\//), page.click('button.fr-connect')]);
    assert.ok(await page.isVisible('#login'));
    assert.deepEqual(ours(problems), [], 'problems on our pages');
  } finally {
    await context.close();
  }
});

test('a forged or replayed return from the provider is refused', TIMEOUT, async () => {
  const { context, page } = await open(browser);
  try {
    page.expectedStatus = 401;
    for (const query of ['code=abc&state=forged-state-that-was-never-issued-by-us-000', 'error=access_denied&state=x']) {
      const response = await page.goto(`${BASE_URL}/connexion/proconnect/retour?${query}`);
      assert.equal(response.status(), 401, query);
      assert.match(await page.textContent('.fr-alert--error'), /n’a pas abouti/);
      assert.match(await page.textContent('.fr-header__tools'), /Se connecter/, 'no session opened');
    }
  } finally {
    await context.close();
  }
});
