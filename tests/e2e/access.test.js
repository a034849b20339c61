// Accounts in the browser: sign-in page, wrong password, signed-in header, profile,
// administration pages, API token creation, a form posted without its CSRF token,
// sign-out. Every page: axe-core zero violations, no console error, screenshots.
// run.sh creates the admin (E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD) before starting the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot } from './browser.js';

const EMAIL = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function checked(page, problems, name) {
  await screenshot(page, name);
  assert.deepEqual(await axe(page), [], `axe-core on ${name}`);
  assert.deepEqual(problems, [], `problems on ${name}`);
}

async function signIn(page, password) {
  await page.goto(`${BASE_URL}/connexion`, { waitUntil: 'networkidle' });
  await page.fill('#courriel', EMAIL);
  await page.fill('#mot-de-passe-champ', password);
  await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/connexion"] button[type=submit]')]);
}

for (const viewport of ['desktop', 'mobile']) {
  describe(`access (${viewport})`, () => {
    test('sign-in page and forgotten password', TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport });
      try {
        await page.goto(`${BASE_URL}/connexion`, { waitUntil: 'networkidle' });
        assert.equal((await page.textContent('h1')).trim(), 'Connexion');
        await checked(page, problems, `${viewport}-connexion`);
        await page.goto(`${BASE_URL}/mot-de-passe-oublie`, { waitUntil: 'networkidle' });
        await checked(page, problems, `${viewport}-mot-de-passe-oublie`);
      } finally {
        await context.close();
      }
    });

    test('a wrong password says so', TIMEOUT, async () => {
      const { context, page, problems } = await open(browser, { viewport });
      try {
        page.expectedStatus = 401;
        await signIn(page, 'pas le bon mot de passe');
        assert.match(await page.textContent('.fr-alert--error'), /Adresse électronique ou mot de passe incorrect/);
        assert.equal(await page.inputValue('#courriel'), EMAIL, 'the address is kept');
        await checked(page, problems, `${viewport}-connexion-erreur`);
      } finally {
        await context.close();
      }
    });
  });
}

describe('signed in (desktop)', () => {
  test('profile, administration, token, CSRF, sign-out', TIMEOUT, async () => {
    const { context, page, problems } = await open(browser);
    try {
      await signIn(page, PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/mon-espace');
      assert.match(await page.textContent('.fr-header__tools'), /Se déconnecter/);
      await page.goto(`${BASE_URL}/profil`, { waitUntil: 'networkidle' });
      assert.match(await page.textContent('main'), /Administrateur de la plateforme/);
      await checked(page, problems, 'desktop-profil');

      await page.goto(`${BASE_URL}/administration/organisations`, { waitUntil: 'networkidle' });
      await page.selectOption('#org-type', 'local_authority');
      // The territory is found by its name, then ticked (never typed as a code).
      await page.fill('#org-territoire-recherche', 'Saint-Étienne');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('#org-territoire button[name=chercher]')]);
      await page.check('#org-territoire input[name=territory][value="commune:42218"]', { force: true });
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/administration/organisations"] button.fr-btn:not([name])')]);
      assert.match(await page.textContent('table'), /Saint-Étienne/);
      await checked(page, problems, 'desktop-admin-organisations');

      await page.goto(`${BASE_URL}/administration/personnes`, { waitUntil: 'networkidle' });
      await page.fill('#invite-courriel', 'deleguee@example.fr');
      await page.fill('#invite-prenom', 'Anne');
      await page.fill('#invite-nom', 'Martin');
      await page.selectOption('#invite-role', 'delegate');
      await page.selectOption('#invite-departement', '42');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/administration/personnes"] button')]);
      assert.match(await page.textContent('.fr-alert--success'), /invitation est envoyée/);
      assert.match(await page.textContent('table'), /Délégué territorial de l’État, Loire \(42\)/);
      await checked(page, problems, 'desktop-admin-personnes');
      // Each person's page carries the table's actions (issue 17).
      await Promise.all([page.waitForLoadState('networkidle'), page.click('table a:has-text("Anne Martin")')]);
      assert.match(await page.textContent('main'), /Renvoyer l’invitation[\s\S]*Désactiver le compte/);
      await checked(page, problems, 'desktop-admin-personne');

      await page.goto(`${BASE_URL}/profil`, { waitUntil: 'networkidle' });
      await page.fill('#nom-jeton', 'Robot e2e');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/profil/jetons"] button')]);
      const secret = await page.inputValue('#secret-jeton');
      assert.equal(secret.length, 43);
      await checked(page, problems, 'desktop-jeton-cree');
      const me = await (await fetch(`${BASE_URL}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } })).json();
      assert.equal(me.person.email, EMAIL);

      // The same session, a form without its CSRF token: refused.
      const forged = await context.request.post(`${BASE_URL}/profil/jetons`, { form: { name: 'forgé' }, maxRedirects: 0 });
      assert.equal(forged.status(), 403);
      const api = await context.request.post(`${BASE_URL}/api/v1/tokens`, { data: { name: 'forgé' } });
      assert.equal(api.status(), 403, 'cookie-authenticated API write without x-csrf-token');

      await Promise.all([page.waitForLoadState('networkidle'), page.click('.fr-header__tools form[action="/deconnexion"] button')]);
      assert.match(await page.textContent('.fr-alert--success'), /déconnecté/);
      assert.match(await page.textContent('.fr-header__tools'), /Se connecter/);
      await checked(page, problems, 'desktop-deconnecte');
    } finally {
      await context.close();
    }
  });
});
