// Each person's space in the browser (issue 14): the admin, a delegate of the Loire, a
// programme manager, the mayor of Saint-Étienne and a partner each sign in and land on
// `/mon-espace` with what waits for them; the notifications list and the preferences
// form. The people are invited through the API with the admin's token; their
// invitation links are read from the server's log (mail goes there without SMTP).
// Every page: axe-core zero violations at 1280 px and 390 px, no console error or
// failed request; screenshots in artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, ARTIFACTS, axe, BASE_URL, checked, invitationLink, launch, open, screenshot, signIn, TIMEOUT } from './browser.js';

const ADMIN = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';
const PASSWORD = 'une phrase de passe pour mon espace';
const STAMP = Date.now();
const TITLE = `Pacte de l’espace ${STAMP}`;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function organisation(token, kind, fields, match) {
  const orgs = (await api(token, 'GET', '/api/v1/organisations')).body.items;
  const found = orgs.find(match);
  if (found) return found;
  const created = await api(token, 'POST', '/api/v1/organisations', { kind, ...fields });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

// Invites `email` with `roles` and chooses the password through the link.
async function accepted(token, email, roles) {
  const invited = await api(token, 'POST', '/api/v1/people/invitations', {
    email, given_name: 'Dominique', usual_name: email.split('@')[0], roles,
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const { context, page } = await open(browser);
  try {
    await page.goto(invitationLink(email), { waitUntil: 'networkidle' });
    await page.fill('#nouveau-mot-de-passe-champ', PASSWORD);
    await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/mot-de-passe"] button')]);
  } finally {
    await context.close();
  }
}

const people = {};

describe('each person’s space', () => {
  test('five roles land on their space', TIMEOUT, async () => {
    const admin = await open(browser);
    let token;
    try {
      await signIn(admin.page, ADMIN, ADMIN_PASSWORD);
      await admin.page.goto(`${BASE_URL}/profil`, { waitUntil: 'networkidle' });
      await admin.page.fill('#nom-jeton', 'Espace e2e');
      await Promise.all([admin.page.waitForLoadState('networkidle'), admin.page.click('form[action="/profil/jetons"] button')]);
      token = await admin.page.inputValue('#secret-jeton');
    } finally {
      await admin.context.close();
    }
    const commune = await organisation(token, 'local_authority', { territory: 'commune:42218' }, (o) => o.territory === 'commune:42218');
    const partner = await organisation(token, 'partner', { name: 'Bureau d’études du Forez', siret: '13000548100002' },
      (o) => o.siret === '13000548100002');
    people.delegate = `delegue-${STAMP}@loire.gouv.fr`;
    people.manager = `pvd-${STAMP}@anct.gouv.fr`;
    people.mayor = `maire-${STAMP}@saint-etienne.fr`;
    people.partner = `partenaire-${STAMP}@forez.fr`;
    await accepted(token, people.delegate, [{ role: 'delegate', departement: '42' }]);
    await accepted(token, people.manager, [{ role: 'programme_manager', programme: 'pvd' }]);
    await accepted(token, people.mayor, [{ role: 'local', organisation: commune.id }]);
    await accepted(token, people.partner, [{ role: 'partner', organisation: partner.id }]);
    // One invitation never accepted, for the admin's list.
    const pending = await api(token, 'POST', '/api/v1/people/invitations', {
      email: `jamais-${STAMP}@example.fr`, given_name: 'Sam', usual_name: 'Absent', roles: [{ role: 'delegate', departement: '42' }],
    });
    assert.equal(pending.status, 201, JSON.stringify(pending.body));

    // A pact of the Loire put to signature (with a demonstration project of
    // Saint-Étienne as its action): it waits for the State and the commune.
    const projects = (await api(token, 'GET', '/api/v1/projects?territory=commune:42218&limit=1')).body.items;
    assert.equal(projects.length, 1);
    const created = await api(token, 'POST', '/api/v1/pacts', {
      kind: 'cohesion', title: TITLE, perimeter: [{ kind: 'commune', code: '42218' }],
      parties: [{ kind: 'state', name: 'Préfecture de la Loire' }, { kind: 'local_authority', name: 'Saint-Étienne', siren: commune.siren }],
      owner: 'state', actions: [projects[0].id],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const status of ['co_construction', 'ready_for_signature']) {
      const moved = await api(token, 'POST', `/api/v1/pacts/${created.body.id}/status`, { status });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
    }
    people.pact = created.body.id;
  });

  const cases = [
    ['admin', () => ADMIN, () => ADMIN_PASSWORD, [/Administrateur de la plateforme/, /Invitations non acceptées/, /jamais-/]],
    ['delegue', () => people.delegate, () => PASSWORD, [/Loire \(42\)/, /Pactes à signer/, () => TITLE]],
    ['programme', () => people.manager, () => PASSWORD, [/Responsable du programme « Petites villes de demain »/]],
    ['maire', () => people.mayor, () => PASSWORD, [/Collectivité/, /Mon territoire/, /Saint-Étienne/, /Pactes à signer/, () => TITLE]],
    ['partenaire', () => people.partner, () => PASSWORD, [/Partenaire : /]],
  ];
  for (const viewport of ['desktop', 'mobile']) {
    for (const [name, email, password, expected] of cases) {
      test(`${name} (${viewport})`, TIMEOUT, async () => {
        assert.ok(people.pact, 'the people were set up');
        const { context, page, problems } = await open(browser, { viewport });
        try {
          await signIn(page, email(), password());
          const main = await page.textContent('main');
          for (const e of expected) {
            if (typeof e === 'function') assert.ok(main.includes(e()), `${name}: ${e()} in ${main}`);
            else assert.match(main, e, `${name}`);
          }
          await checked(page, problems, `${viewport}-mon-espace-${name}`);
          if (name === 'delegue' || name === 'maire') {
            // One click to the pact that waits.
            await Promise.all([page.waitForLoadState('networkidle'), page.click(`main a[href="/pactes/${people.pact}"]`)]);
            assert.equal(new URL(page.url()).pathname, `/pactes/${people.pact}`);
          }
          if (name === 'maire') {
            await page.goto(`${BASE_URL}/mon-espace/notifications`, { waitUntil: 'networkidle' });
            assert.match(await page.textContent('main'), new RegExp(TITLE));
            await checked(page, problems, `${viewport}-mon-espace-notifications`);
            await page.goto(`${BASE_URL}/mon-espace/preferences`, { waitUntil: 'networkidle' });
            await page.click('label[for="preference-pact-weekly"]'); // DSFR draws the radio under its label
            await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/mon-espace/preferences"] button')]);
            assert.match(await page.textContent('main'), /préférences sont enregistrées/);
            assert.ok(await page.isChecked('#preference-pact-weekly'));
            await checked(page, problems, `${viewport}-mon-espace-preferences`);
          }
        } finally {
          await context.close();
        }
      });
    }
  }
});
