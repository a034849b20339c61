// Two people co-build a pact in the browser: the admin (acting for the State, created
// by run.sh) and the mayor of Saint-Étienne (a local authority person, invited here
// through the API with the admin's token; the invitation link is read from the
// server's log, where mail goes without SMTP). Create, open co-construction, the
// mayor proposes adding a project, the owner accepts with a reason, a comment, submit
// for signature, both sign, amend, change, sign, the comparison page. Every page:
// axe-core zero violations, no console error or failed request; screenshots of the
// pact's page and of the comparison.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, ARTIFACTS, axe, BASE_URL, checked, invitationLink, launch, open, screenshot, signIn, submit, TIMEOUT } from './browser.js';

const ADMIN = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';
const MAYOR = `maire-${Date.now()}@saint-etienne.fr`;
const MAYOR_PASSWORD = 'une autre phrase de passe, pour la maire';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe('pacts (desktop)', () => {
  test('the State and a commune co-build, sign and amend a pact', TIMEOUT, async () => {
    const admin = await open(browser);
    const mayor = await open(browser);
    try {
      // The admin's API token, from the profile page.
      await signIn(admin.page, ADMIN, ADMIN_PASSWORD);
      await admin.page.goto(`${BASE_URL}/profil`, { waitUntil: 'networkidle' });
      await admin.page.fill('#nom-jeton', 'Pactes e2e');
      await submit(admin.page, 'form[action="/profil/jetons"] button');
      const token = await admin.page.inputValue('#secret-jeton');

      // The commune's organisation (the access test may have added it) and its mayor.
      let orgs = (await api(token, 'GET', '/api/v1/organisations')).body.items;
      let org = orgs.find((o) => o.territory === 'commune:42218');
      if (!org) {
        const created = await api(token, 'POST', '/api/v1/organisations', { kind: 'local_authority', territory: 'commune:42218' });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        org = created.body;
      }
      const invited = await api(token, 'POST', '/api/v1/people/invitations', {
        email: MAYOR, given_name: 'Claire', usual_name: 'Maire', roles: [{ role: 'local', organisation: org.id }],
      });
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      await mayor.page.goto(invitationLink(MAYOR), { waitUntil: 'networkidle' });
      await mayor.page.fill('#nouveau-mot-de-passe-champ', MAYOR_PASSWORD);
      await submit(mayor.page, 'form[action="/mot-de-passe"] button');
      await signIn(mayor.page, MAYOR, MAYOR_PASSWORD);

      // Two demonstration projects of Saint-Étienne.
      const projects = (await api(token, 'GET', '/api/v1/projects?territory=commune:42218&limit=2')).body.items;
      assert.equal(projects.length, 2);
      const [first, second] = projects;

      // The admin creates the pact for the State.
      await admin.page.goto(`${BASE_URL}/pactes`, { waitUntil: 'networkidle' });
      await submit(admin.page, 'a[href="/pactes/nouveau"]');
      await checked(admin.page, admin.problems, 'desktop-pacte-nouveau');
      await admin.page.selectOption('#pacte-type', 'cohesion');
      // Territories and parties are found by searching (issue 17): the perimeter field
      // suggests as one types and a choice ticks itself in.
      await admin.page.fill('#pacte-perimetre-recherche', 'saint-etie');
      await admin.page.click('#pacte-perimetre .cohesion-suggest li:has-text("42218")');
      await admin.page.waitForSelector('#pacte-perimetre input[name=perimetre][value="commune:42218"]:checked');
      // The collectivity by the form's own search (works without the script too).
      await admin.page.fill('#pacte-collectivites-recherche', 'Saint-Étienne');
      await submit(admin.page, '#pacte-collectivites button[name=chercher]');
      await admin.page.check(`#pacte-collectivites input[name=partie][value^="local_authority|${org.siren}|"]`, { force: true });
      // A first try with faults: each shown in French next to its field, nothing lost.
      admin.page.expectedStatus = 400;
      await submit(admin.page, 'form[action="/pactes/nouveau"] button.fr-btn:not([name])');
      assert.match(await admin.page.textContent('#pacte-titre-erreur'), /Donnez un titre au pacte/);
      assert.ok(await admin.page.isChecked('#pacte-perimetre input[value="commune:42218"]'), 'the perimeter kept');
      assert.ok(await admin.page.isChecked(`#pacte-collectivites input[value^="local_authority|${org.siren}|"]`), 'the party kept');
      await checked(admin.page, admin.problems, 'desktop-pacte-nouveau-erreurs');
      admin.page.expectedStatus = undefined;
      await admin.page.fill('#pacte-titre', 'Pacte territorial de cohésion de Saint-Étienne');
      await admin.page.fill('#pacte-description', 'Revitaliser le centre-ville et ses services.\nDurée : 2026-2030.');
      await admin.page.fill('#pacte-etat', 'Préfecture de la Loire');
      await admin.page.fill('#pacte-actions-recherche', first.name);
      await submit(admin.page, '#pacte-actions button[name=chercher]');
      await admin.page.check(`#pacte-actions input[name=action][value="${first.id}"]`, { force: true });
      await checked(admin.page, admin.problems, 'desktop-pacte-nouveau-choix');
      await submit(admin.page, 'form[action="/pactes/nouveau"] button.fr-btn:not([name])');
      assert.match(await admin.page.textContent('.fr-alert--success'), /Le pacte est créé/);
      const pactUrl = admin.page.url().split('?')[0];
      await submit(admin.page, 'button:has-text("Ouvrir la co-construction")');
      assert.match(await admin.page.textContent('.fr-badges-group'), /En co-construction/);

      // The mayor proposes adding the second project.
      await mayor.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await checked(mayor.page, mayor.problems, 'desktop-pacte-maire');
      await mayor.page.fill('#ajout-recherche', second.name);
      await submit(mayor.page, 'form[method=get]:has(#ajout-recherche) button');
      await mayor.page.check(`input[name=project][value="${second.id}"]`, { force: true });
      await mayor.page.fill('#ajout-message', 'Indispensable au centre-ville.');
      await submit(mayor.page, 'form[action$="/propositions"] button:has-text("Proposer l’ajout")');
      assert.match(await mayor.page.textContent('.fr-alert--success'), /proposition est envoyée/);

      // The owner accepts it, with a reason.
      await admin.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await admin.page.fill('textarea[name=reason]', 'Projet mûr et cofinancé.');
      await submit(admin.page, 'button:has-text("Accepter la proposition")');
      assert.match(await admin.page.textContent('#propositions'), /Acceptée[\s\S]*Projet mûr et cofinancé/);
      assert.match(await admin.page.textContent('section[aria-labelledby=actions-titre]'), /Total \(2 projets\)/);

      // A comment, then submitted for signature; both sign.
      await mayor.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await mayor.page.fill('#commentaire-texte', 'Nous le présenterons au conseil municipal de décembre.');
      await submit(mayor.page, 'button:has-text("Publier le commentaire")');
      assert.match(await mayor.page.textContent('#commentaires'), /conseil municipal de décembre/);
      await admin.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await submit(admin.page, 'button:has-text("Soumettre à la signature")');
      // Signing shows what is signed and asks to confirm (issue 17).
      await submit(admin.page, 'button:has-text("Signer pour Préfecture de la Loire")');
      assert.match(await admin.page.textContent('h1'), /Confirmer : Signer pour Préfecture de la Loire/);
      assert.match(await admin.page.textContent('main'), /ne peut pas être retirée/);
      await checked(admin.page, admin.problems, 'desktop-pacte-confirmer-signature');
      await submit(admin.page, 'form:has(input[name=confirmer]) button[type=submit]');
      assert.match(await admin.page.textContent('.fr-alert--success'), /signature est enregistrée/);
      await mayor.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await submit(mayor.page, `button:has-text("Signer pour ${org.name}")`);
      await submit(mayor.page, 'form:has(input[name=confirmer]) button[type=submit]');
      assert.match(await mayor.page.textContent('.fr-badges-group'), /Signé/);
      await checked(mayor.page, mayor.problems, 'desktop-pacte-signe');

      // An amendment: the title changes and the first project leaves; signed again.
      await admin.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await submit(admin.page, 'button:has-text("Ouvrir un avenant")');
      await submit(admin.page, 'a:has-text("Modifier le texte")');
      await checked(admin.page, admin.problems, 'desktop-pacte-modifier');
      await admin.page.fill('#pacte-titre', 'Pacte territorial de cohésion de Saint-Étienne (avenant 1)');
      await admin.page.uncheck(`#pacte-actions input[name=action][value="${first.id}"]`, { force: true });
      await admin.page.fill('#pacte-actions-recherche', second.name);
      await submit(admin.page, '#pacte-actions button[name=chercher]');
      await admin.page.check(`#pacte-actions input[name=action][value="${second.id}"]`, { force: true });
      await submit(admin.page, 'button:has-text("Enregistrer le texte")');
      assert.match(await admin.page.textContent('.fr-alert--success'), /texte est enregistré/);
      await submit(admin.page, 'button:has-text("Soumettre à la signature")');
      await submit(admin.page, 'button:has-text("Signer pour Préfecture de la Loire")');
      await submit(admin.page, 'form:has(input[name=confirmer]) button[type=submit]');
      await mayor.page.goto(pactUrl, { waitUntil: 'networkidle' });
      await submit(mayor.page, `button:has-text("Signer pour ${org.name}")`);
      await submit(mayor.page, 'form:has(input[name=confirmer]) button[type=submit]');
      await checked(mayor.page, mayor.problems, 'desktop-pacte');

      // The comparison of the two versions.
      await submit(mayor.page, 'a:has-text("voir les changements")');
      assert.match(await mayor.page.textContent('h1'), /Texte initial → Avenant n° 1/);
      assert.match(await mayor.page.textContent('main'), /\(avenant 1\)/);
      assert.match(await mayor.page.textContent('main'), /Retiré/);
      await checked(mayor.page, mayor.problems, 'desktop-pacte-comparaison');

      // Found in the list, on the territory page.
      await mayor.page.goto(`${BASE_URL}/pactes?q=coh%C3%A9sion+saint-%C3%A9tienne`, { waitUntil: 'networkidle' });
      assert.match(await mayor.page.textContent('[role=status]'), /pactes? trouvés?/);
      await checked(mayor.page, mayor.problems, 'desktop-pactes');
      await mayor.page.goto(`${BASE_URL}/territoires/commune/42218`, { waitUntil: 'networkidle' });
      assert.match(await mayor.page.textContent('#pactes'), /avenant 1/);
      assert.deepEqual(admin.problems, [], 'problems of the admin');
    } finally {
      await admin.context.close();
      await mayor.context.close();
    }
  });

  test('the pact and its comparison on a phone', TIMEOUT, async () => {
    const { context, page, problems } = await open(browser, { viewport: 'mobile' });
    try {
      await page.goto(`${BASE_URL}/pactes?q=avenant`, { waitUntil: 'networkidle' });
      await submit(page, 'tbody a');
      await checked(page, problems, 'mobile-pacte');
      await submit(page, 'a:has-text("voir les changements")');
      await checked(page, problems, 'mobile-pacte-comparaison');
    } finally {
      await context.close();
    }
  });
});
