// The custom engineering offer, end to end in the browser: a mayor of Saint-Étienne
// (role local, on a phone) asks for help; the delegate of the Loire (42) sees it in
// their list, qualifies it and opens a mission with the suggested provider; a person
// of that provider (role partner) accepts it from the provider's page, proposes a
// recommendation, writes in the internal conversation, records spending, invites a
// colleague of the same firm (who finds the invitation in their space and joins) and closes
// the mission; the mayor marks the recommendation done and gives their satisfaction;
// the territory page and the dashboard show it. People, organisations, the provider
// and the budget are set up through the API with the admin's token (run.sh creates the
// admin); invitation links are read from the server's log. Every page: axe-core zero
// violations, no console error or failed request; screenshots at 1280 and 390 px.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, ARTIFACTS, axe, BASE_URL, checked, invitationLink, launch, open, screenshot, signIn, submit, TIMEOUT } from './browser.js';

const ADMIN = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';
const STAMP = Date.now();
const PASSWORD = 'une phrase de passe assez longue pour les tests';
const MAYOR = `maire-ingenierie-${STAMP}@saint-etienne.fr`;
const DELEGATE = `delegue-${STAMP}@anct.gouv.fr`;
const ADVISOR = `conseillere-${STAMP}@bureau-etudes.fr`;
const COLLEAGUE = `collegue-${STAMP}@bureau-etudes.fr`;
const PROJECT = `Réhabilitation de la halle du marché ${STAMP}`;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// Luhn-valid digits: `digits` followed by their check digit.
function luhn(digits) {
  const sum = (ds) => ds.reduceRight((acc, d, i) => {
    const v = (ds.length - 1 - i) % 2 === 1 ? d * 2 : d;
    return acc + (v > 9 ? v - 9 : v);
  }, 0);
  for (let check = 0; check < 10; check++) {
    if (sum([...digits, check]) % 10 === 0) return [...digits, check];
  }
  throw new Error('no check digit');
}

/// A SIRET nobody registered: a Luhn-valid SIREN, then an establishment number making
/// the fourteen digits Luhn-valid too.
function freshSiret() {
  const random = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 10));
  return luhn([...luhn(random(8)), ...random(4)]).join('');
}

/// Invites `email` with `roles`, sets their password from the link, signs them in.
async function person(token, who, email, givenName, roles) {
  const invited = await api(token, 'POST', '/api/v1/people/invitations', {
    email, given_name: givenName, usual_name: 'E2E', roles,
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  await who.page.goto(invitationLink(email), { waitUntil: 'networkidle' });
  await who.page.fill('#nouveau-mot-de-passe-champ', PASSWORD);
  await submit(who.page, 'form[action="/mot-de-passe"] button');
  await signIn(who.page, email, PASSWORD);
}

describe('engineering offer', () => {
  test('a mayor asks, the delegate qualifies, a provider works and closes, the territory shows it', TIMEOUT, async () => {
    const admin = await open(browser);
    const mayor = await open(browser, { viewport: 'mobile' });
    const delegate = await open(browser);
    const advisor = await open(browser);
    const visitor = await open(browser, { viewport: 'mobile' });
    const colleague = await open(browser, { viewport: 'mobile' });
    try {
      await signIn(admin.page, ADMIN, ADMIN_PASSWORD);
      await admin.page.goto(`${BASE_URL}/profil`, { waitUntil: 'networkidle' });
      await admin.page.fill('#nom-jeton', 'Ingénierie e2e');
      await submit(admin.page, 'form[action="/profil/jetons"] button');
      const token = await admin.page.inputValue('#secret-jeton');

      // Saint-Étienne's organisation (another test may have added it), a provider's
      // organisation, the three people, the provider and the Loire's budget.
      const orgs = (await api(token, 'GET', '/api/v1/organisations')).body.items;
      let commune = orgs.find((o) => o.territory === 'commune:42218');
      if (!commune) {
        const created = await api(token, 'POST', '/api/v1/organisations', { kind: 'local_authority', territory: 'commune:42218' });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        commune = created.body;
      }
      const firm = await api(token, 'POST', '/api/v1/organisations', {
        kind: 'partner', name: `Bureau d’études Loire ${STAMP}`, siret: freshSiret(),
      });
      assert.equal(firm.status, 201, JSON.stringify(firm.body));
      const providerName = `Bureau d’études Loire ${STAMP}`;
      const provider = await api(token, 'POST', '/api/v1/engineering/providers', {
        name: providerName, kind: 'private_firm', organisation: firm.body.id,
        competences: ['town_centre', 'planning_urbanism'], departements: ['42'], capacity: 3,
      });
      assert.equal(provider.status, 201, JSON.stringify(provider.body));
      const year = new Date().getUTCFullYear();
      const budget = await api(token, 'PUT', `/api/v1/engineering/budgets/42/${year}`, { amount_cents: 5_000_000 });
      assert.equal(budget.status, 200, JSON.stringify(budget.body));
      await person(token, mayor, MAYOR, 'Claire', [{ role: 'local', organisation: commune.id }]);
      await person(token, delegate, DELEGATE, 'Dominique', [{ role: 'delegate', departement: '42' }]);
      await person(token, advisor, ADVISOR, 'Inès', [{ role: 'partner', organisation: firm.body.id }]);

      // The mayor asks, on a phone. A first try with a file whose content is not
      // what its name says: the file is named, nothing typed is lost.
      const started = Date.now();
      await mayor.page.goto(`${BASE_URL}/ingenierie`, { waitUntil: 'networkidle' });
      await checked(mayor.page, mayor.problems, 'mobile-ingenierie-liste');
      await submit(mayor.page, 'a[href="/ingenierie/demander"]');
      await checked(mayor.page, mayor.problems, 'mobile-ingenierie-demande');
      assert.match(await mayor.page.textContent('.fr-callout'), /Saint-Étienne[\s\S]*SIREN/);
      await mayor.page.fill('#demande-titre', PROJECT);
      await mayor.page.click('label[for="demande-besoin-town_centre"]');
      await mayor.page.click('label[for="demande-besoin-planning_urbanism"]');
      await mayor.page.fill('#demande-contexte', 'La halle est fermée depuis 2019 ; le conseil veut la rouvrir.');
      await mayor.page.selectOption('#demande-urgence', 'high');
      await mayor.page.setInputFiles('#demande-documents', {
        name: 'plan-de-la-halle.pdf', mimeType: 'application/pdf', buffer: Buffer.from('ceci n’est pas un PDF'),
      });
      mayor.page.expectedStatus = 400;
      await submit(mayor.page, 'button:has-text("Envoyer la demande")');
      assert.match(await mayor.page.textContent('.fr-alert--error'), /« plan-de-la-halle\.pdf »/);
      assert.equal(await mayor.page.inputValue('#demande-titre'), PROJECT);
      assert.equal(await mayor.page.inputValue('#demande-contexte'), 'La halle est fermée depuis 2019 ; le conseil veut la rouvrir.');
      assert.ok(await mayor.page.isChecked('#demande-besoin-town_centre'));
      await checked(mayor.page, mayor.problems, 'mobile-ingenierie-demande-erreur');
      mayor.page.expectedStatus = undefined;
      await mayor.page.setInputFiles('#demande-documents', {
        name: 'budget.csv', mimeType: 'text/csv', buffer: Buffer.from('poste;montant\nétude;12000\n'),
      });
      await submit(mayor.page, 'button:has-text("Envoyer la demande")');
      assert.match(await mayor.page.textContent('.fr-alert--success'), /envoyée au délégué territorial/);
      assert.ok(Date.now() - started < 120_000, 'asked in under two minutes');
      const caseUrl = mayor.page.url().split('?')[0];
      assert.match(await mayor.page.textContent('#documents-titre + ul'), /budget\.csv/);
      await checked(mayor.page, mayor.problems, 'mobile-ingenierie-demande-envoyee');

      // The delegate sees it in the Loire's list, and qualifies it with the suggested provider.
      await delegate.page.goto(`${BASE_URL}/ingenierie`, { waitUntil: 'networkidle' });
      assert.equal(await delegate.page.inputValue('#liste-departement'), '42');
      await checked(delegate.page, delegate.problems, 'desktop-ingenierie-liste-delegue');
      await submit(delegate.page, `a:has-text("${PROJECT}")`);
      assert.equal(delegate.page.url(), caseUrl);
      const suggestion = delegate.page.locator('label', { hasText: providerName });
      assert.match(await suggestion.textContent(), /Suggéré :/);
      await checked(delegate.page, delegate.problems, 'desktop-ingenierie-qualification');
      await suggestion.click();
      await submit(delegate.page, 'button:has-text("Accepter et ouvrir la mission")');
      assert.match(await delegate.page.textContent('.fr-alert--success'), /qualifiée/);
      assert.match(await delegate.page.textContent('#mission-titre'), /En recherche de prestataire/);

      // The provider's person finds the mission offered, and accepts it.
      await advisor.page.goto(`${BASE_URL}/ingenierie/prestataires`, { waitUntil: 'networkidle' });
      await checked(advisor.page, advisor.problems, 'desktop-ingenierie-prestataires');
      await submit(advisor.page, `a:has-text("${PROJECT}")`);
      await submit(advisor.page, 'button:has-text("Accepter la mission")');
      assert.match(await advisor.page.textContent('#mission-titre'), /En cours/);

      // A recommendation, a message the authority must never see, spending, a milestone.
      await advisor.page.fill('#reco-titre', 'Lancer une étude de programmation');
      await advisor.page.fill('#reco-texte', 'Avant l’été, avec les commerçants.');
      await submit(advisor.page, 'button:has-text("Proposer la recommandation")');
      assert.match(await advisor.page.textContent('section[aria-labelledby=recommandations-titre]'), /Proposée/);
      await advisor.page.fill('#message-interne', 'Note interne : le budget communal est serré.');
      await submit(advisor.page, 'button:has-text("Envoyer aux conseillers")');
      await advisor.page.fill('#jalon-titre', 'Atelier avec les commerçants');
      await submit(advisor.page, 'button:has-text("Ajouter le jalon")');
      await advisor.page.fill('#depense-jours', '2,5');
      await advisor.page.fill('#depense-cout', '1500');
      await advisor.page.fill('#depense-date', `${year}-03-02`);
      await submit(advisor.page, 'button:has-text("Enregistrer la dépense")');
      assert.match(await advisor.page.textContent('section[aria-labelledby=depenses-titre]'), /2,5 jours, 1\s500\s€/);
      await checked(advisor.page, advisor.problems, 'desktop-ingenierie-mission');

      // The advisor invites a colleague of the same firm from the page; the colleague,
      // on a phone, finds the invitation at the top of their space and joins.
      await person(token, colleague, COLLEAGUE, 'Jules', [{ role: 'partner', organisation: firm.body.id }]);
      await advisor.page.goto(caseUrl, { waitUntil: 'networkidle' });
      const invite = advisor.page.locator('form', { has: advisor.page.locator('legend', { hasText: 'Personnes de' }) });
      await invite.locator('label', { hasText: COLLEAGUE }).click();
      await submit(advisor.page, 'form:has(legend:has-text("Personnes de")) button');
      assert.match(await advisor.page.textContent('.fr-alert--success'), /La personne est invitée/);
      await colleague.page.goto(`${BASE_URL}/mon-espace`, { waitUntil: 'networkidle' });
      const invitations = await colleague.page.textContent('section[aria-labelledby=invitations-titre]');
      assert.match(invitations, /Invitations à rejoindre une mission/);
      assert.match(invitations, new RegExp(PROJECT));
      assert.match(invitations, /comme conseiller ou conseillère/);
      await checked(colleague.page, colleague.problems, 'mobile-espace-invitation-mission');
      await submit(colleague.page, `section[aria-labelledby=invitations-titre] a:has-text("${PROJECT}")`);
      await submit(colleague.page, 'button:has-text("Accepter l’invitation")');
      assert.match(await colleague.page.textContent('.fr-alert--success'), /Vous avez rejoint la mission/);

      // The mayor marks the recommendation done, and never sees the internal conversation.
      await mayor.page.goto(caseUrl, { waitUntil: 'networkidle' });
      assert.doesNotMatch(await mayor.page.content(), /Note interne|Échanges internes/);
      await mayor.page.selectOption('#statut-1', 'done');
      await mayor.page.fill('#statut-commentaire-1', 'Étude commandée en mars.');
      await submit(mayor.page, 'button:has-text("Changer le statut")');
      const recommendations = await mayor.page.textContent('section[aria-labelledby=recommandations-titre]');
      assert.match(recommendations, /Faite/);
      assert.match(recommendations, /Proposée → Faite — Étude commandée en mars\./);
      await checked(mayor.page, mayor.problems, 'mobile-ingenierie-mission-maire');

      // The advisor closes the mission with its outcome.
      await advisor.page.goto(caseUrl, { waitUntil: 'networkidle' });
      await advisor.page.fill('#cloture-livre', 'Une étude de programmation et un plan de financement.');
      await advisor.page.selectOption('#cloture-avant', 'idea');
      await advisor.page.selectOption('#cloture-apres', 'study');
      await advisor.page.fill('#cloture-financeur-1', 'DETR');
      await advisor.page.fill('#cloture-montant-1', '150000');
      await submit(advisor.page, 'button:has-text("Clôturer la mission")');
      assert.match(await advisor.page.textContent('.fr-alert--success'), /clôturée/);

      // The mayor gives their satisfaction.
      await mayor.page.goto(caseUrl, { waitUntil: 'networkidle' });
      await mayor.page.click('label[for="avis-note-5"]');
      await mayor.page.fill('#avis-commentaire', 'Très utile, merci.');
      await submit(mayor.page, 'button:has-text("Donner mon avis")');
      assert.match(await mayor.page.textContent('.fr-alert--success'), /avis est enregistré/);
      assert.match(await mayor.page.textContent('section[aria-labelledby=cloture-titre]'), /5\/5 — Très utile, merci\./);
      await checked(mayor.page, mayor.problems, 'mobile-ingenierie-cloturee');

      // The territory page shows it to anyone, public view only, at both widths.
      for (const [who, name] of [[visitor, 'mobile'], [admin, 'desktop']]) {
        await who.page.goto(`${BASE_URL}/territoires/commune/42218#ingenierie`, { waitUntil: 'networkidle' });
        const section = await who.page.textContent('#ingenierie');
        assert.match(section, new RegExp(PROJECT));
        assert.match(section, /Clôturée/);
        assert.match(section, new RegExp(providerName));
        assert.match(section, /Une étude de programmation/);
        assert.doesNotMatch(section, /Note interne/);
        await checked(who.page, who.problems, `${name}-territoire-ingenierie`);
      }
      // The public view of the request itself, anonymously.
      await visitor.page.goto(caseUrl, { waitUntil: 'networkidle' });
      assert.doesNotMatch(await visitor.page.content(), /Note interne|budget\.csv|La halle est fermée/);
      await checked(visitor.page, visitor.problems, 'mobile-ingenierie-vue-publique');

      // The dashboard shows the figures of the API's JSON for the same filter.
      await visitor.page.goto(`${BASE_URL}/ingenierie/tableau-de-bord?departement=42`, { waitUntil: 'networkidle' });
      const figures = (await api(token, 'GET', '/api/v1/engineering/dashboard?departement=42')).body;
      const tiles = await visitor.page.textContent('#chiffres');
      assert.match(tiles, new RegExp(`${figures.requests}\\s*Demandes`));
      assert.match(tiles, new RegExp(`${figures.missions}\\s*Missions`));
      await checked(visitor.page, visitor.problems, 'mobile-ingenierie-tableau-de-bord');
      await admin.page.goto(`${BASE_URL}/ingenierie/tableau-de-bord?departement=42`, { waitUntil: 'networkidle' });
      await checked(admin.page, admin.problems, 'desktop-ingenierie-tableau-de-bord');
    } finally {
      for (const p of [admin, mayor, delegate, advisor, visitor, colleague]) await p.context.close();
    }
  });
});
