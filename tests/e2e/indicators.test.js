// Indicator and evaluation pages, on the invented fixture data run.sh loads through the
// CLI (fixtures/README.md): desktop and mobile, with and without JavaScript; no console
// error, failed request or CSP violation; zero axe-core violations; screenshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TIMEOUT, axe, launch, open, screenshot, signIn } from './browser.js';

const ADMIN = process.env.E2E_ADMIN_EMAIL ?? 'admin@example.fr';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'une phrase de passe pour les tests';

let browser;
let evaluationPath;
before(async () => {
  browser = await launch();
  const list = await (await fetch(BASE_URL + '/api/v1/evaluations')).json();
  assert.equal(list.total, 1, 'run.sh ran one evaluation');
  assert.equal(list.items[0].status, 'done');
  evaluationPath = list.items[0].page;
});
after(async () => {
  await browser?.close();
});

const PAGES = [
  { name: 'indicateurs', path: () => '/indicateurs', h1: /^Indicateurs$/, text: 'Demandes de valeurs foncières' },
  { name: 'evaluations', path: () => '/evaluations', h1: /Évaluations d’impact/, text: 'Callaway' },
  { name: 'evaluation', path: () => evaluationPath, h1: /Évaluation d’impact : Créations d’entreprises/, text: 'tendances parallèles' },
  { name: 'commune-indicateurs', path: () => '/territoires/commune/42218', h1: /^Saint-Étienne$/, text: 'Saisie de la collectivité' },
  { name: 'departement-indicateurs', path: () => '/territoires/departement/42', h1: /^Loire$/, text: 'Calculé depuis les communes' },
];

for (const viewport of ['desktop', 'mobile']) {
  for (const javaScript of [true, false]) {
    describe(`indicator pages (${viewport}, ${javaScript ? 'with' : 'without'} JavaScript)`, () => {
      for (const p of PAGES) {
        test(p.name, TIMEOUT, async () => {
          const { context, page, problems } = await open(browser, { viewport, javaScript });
          try {
            const response = await page.goto(BASE_URL + p.path(), { waitUntil: 'networkidle' });
            assert.equal(response.status(), 200);
            assert.match((await page.textContent('h1')).trim(), p.h1);
            assert.ok((await page.textContent('main')).includes(p.text), `${p.path()} shows “${p.text}”`);
            if (p.name === 'evaluation') {
              assert.equal(await page.locator('svg.cohesion-es circle').count() > 3, true, 'event-study points');
              assert.equal(await page.locator('caption:has-text("Données du graphique")').count(), 1);
            }
            if (p.name.endsWith('-indicateurs')) {
              await page.locator('#indicateurs').scrollIntoViewIfNeeded();
            }
            const suffix = javaScript ? '' : '-sans-js';
            await screenshot(page, `${viewport}-${p.name}${suffix}`);
            // (axe-core needs scripts: the same markup is audited in the runs with them.)
            if (javaScript) assert.deepEqual(await axe(page), [], `axe-core on ${p.path()}`);
            assert.deepEqual(problems, [], `problems on ${p.path()}`);
          } finally {
            await context.close();
          }
        });
      }
    });
  }
}

// The form that requests an evaluation (issue 18, point 2), as a signed-in person with a
// role, at both widths: a territory found by searching and added to the list.
for (const viewport of ['desktop', 'mobile']) {
  test(`the evaluation form (${viewport})`, TIMEOUT, async () => {
    const { context, page, problems } = await open(browser, { viewport });
    try {
      await signIn(page, ADMIN, ADMIN_PASSWORD);
      const response = await page.goto(BASE_URL + '/evaluations/nouvelle?programme=pvd', { waitUntil: 'networkidle' });
      assert.equal(response.status(), 200);
      assert.match((await page.textContent('h1')).trim(), /Demander une évaluation d’impact/);
      await page.check('#intervention-territoires', { force: true });
      await page.fill('#ajout-recherche', 'Saint-Étienne');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('button[name="chercher"][value="ajout"]')]);
      await page.check('input[name="ajout"][value="commune:42218"]', { force: true });
      await page.fill('#ajout-annee', '2019');
      await Promise.all([page.waitForLoadState('networkidle'), page.click('button[name="ajouter"]')]);
      assert.equal(await page.locator('input[name="traite"][value="commune:42218@2019"]').count(), 1, 'listed');
      await page.check('#comparison-matched', { force: true });
      await screenshot(page, `${viewport}-evaluation-formulaire`);
      assert.deepEqual(await axe(page), [], 'axe-core on the form');
      assert.deepEqual(problems, [], 'problems on the form');
    } finally {
      await context.close();
    }
  });
}

// Re-running the stored evaluation on the data as it is now (issue 18, point 6), as a
// signed-in person with a role: the button on the evaluation's page, the new job run by
// the server's worker, then the re-run's page comparing itself with the original; read
// at both widths (the comparison is public, like the evaluation).
test('re-running an evaluation, and the comparison it shows', TIMEOUT, async () => {
  const { context, page, problems } = await open(browser, { viewport: 'desktop' });
  let rerunPath;
  try {
    await signIn(page, ADMIN, ADMIN_PASSWORD);
    await page.goto(BASE_URL + evaluationPath, { waitUntil: 'networkidle' });
    await Promise.all([
      page.waitForURL((url) => url.pathname.startsWith('/evaluations/') && url.pathname !== evaluationPath),
      page.click('button:has-text("Relancer sur les données actuelles")'),
    ]);
    rerunPath = new URL(page.url()).pathname;
    // The worker claims and runs it in the background: read the page until it is done.
    const deadline = Date.now() + 90_000;
    const compared = page.locator('caption:has-text("L’évaluation d’origine et sa relance")');
    while (!(await compared.count())) {
      assert.ok(Date.now() < deadline, `the re-run ${rerunPath} finished in time`);
      await page.waitForTimeout(1_000);
      await page.reload({ waitUntil: 'networkidle' });
    }
    assert.match(await page.textContent('#comparaison-titre'), /Comparaison avec l’évaluation du/);
    await page.locator('#comparaison-titre').scrollIntoViewIfNeeded();
    await screenshot(page, 'desktop-evaluation-relance');
    assert.deepEqual(await axe(page), [], 'axe-core on the re-run');
    assert.deepEqual(problems, [], 'problems on the re-run');
    const list = await page.goto(BASE_URL + '/evaluations', { waitUntil: 'networkidle' });
    assert.equal(list.status(), 200);
    assert.ok((await page.textContent('main')).includes('relance de l’évaluation du'), 'the list marks the re-run');
  } finally {
    await context.close();
  }
  const mobile = await open(browser, { viewport: 'mobile' });
  try {
    const response = await mobile.page.goto(BASE_URL + rerunPath, { waitUntil: 'networkidle' });
    assert.equal(response.status(), 200);
    await mobile.page.locator('#comparaison-titre').scrollIntoViewIfNeeded();
    await screenshot(mobile.page, 'mobile-evaluation-relance', { fullPage: false });
    assert.deepEqual(await axe(mobile.page), [], 'axe-core on the re-run (mobile)');
    assert.deepEqual(mobile.problems, [], 'problems on the re-run (mobile)');
  } finally {
    await mobile.context.close();
  }
});
