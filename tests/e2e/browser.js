// Shared helpers: Debian's Chromium through playwright-core, and the checks every
// page visit makes (console errors, failed requests, CSP violations, axe-core).
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

/// Per test: a hung page fails its test instead of blocking the run.
export const TIMEOUT = { timeout: 120_000 };

export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/// A page in a fresh context, recording every problem it meets.
export async function open(browser, { viewport = 'desktop', javaScript = true } = {}) {
  const { width, height, ...device } = VIEWPORTS[viewport];
  const context = await browser.newContext({ viewport: { width, height }, ...device, javaScriptEnabled: javaScript, locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    // Chromium logs the status of an error page's own document: expected there.
    const ownStatus = page.expectedStatus >= 400 && msg.location().url === page.url()
      && msg.text().includes(`status of ${page.expectedStatus}`);
    if (msg.type() === 'error' && !ownStatus) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A navigation away from a page cancels what it was still loading: not a fault.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    const isDocument = r.request().resourceType() === 'document';
    if (r.status() >= 400 && !(isDocument && page.expectedStatus === r.status())) {
      problems.push(`HTTP ${r.status()}: ${r.url()}`);
    }
  });
  if (javaScript) {
    // CSP violations are reported as console errors too; this names them precisely.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  }
  return { context, page, problems };
}

/// Runs axe-core in the page; returns the violations, one line each.
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`,
  );
}

export async function screenshot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage });
}

/// Lang, screenshot, axe-core and the console's problems of a page, checked together.
export async function checked(page, problems, name) {
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await screenshot(page, name);
  assert.deepEqual(await axe(page), [], `axe-core on ${name}`);
  assert.deepEqual(problems, [], `problems on ${name}`);
}

/// Signs in with the password form; every sign-in lands on the person's space.
export async function signIn(page, email, password) {
  await page.goto(`${BASE_URL}/connexion`, { waitUntil: 'networkidle' });
  await page.fill('#courriel', email);
  await page.fill('#mot-de-passe-champ', password);
  await Promise.all([page.waitForLoadState('networkidle'), page.click('form[action="/connexion"] button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/mon-espace', `${email} signed in, on the space`);
}

/// Clicks a form's button and waits for the page it leads to.
export async function submit(page, selector) {
  await Promise.all([page.waitForLoadState('networkidle'), page.click(selector)]);
}

/// A JSON call of the API with a bearer token: status and body.
export async function api(token, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/// The last invitation link mailed to `email` (logged by the server without SMTP).
export function invitationLink(email) {
  const log = readFileSync(`${ARTIFACTS}server.log`, 'utf8');
  const lines = log.split('\n').filter((l) => l.includes(email) && l.includes('jeton='));
  const match = lines.at(-1)?.match(/\/mot-de-passe\?jeton=([A-Za-z0-9_-]+)/);
  assert.ok(match, `an invitation link for ${email} in the server log`);
  return `${BASE_URL}/mot-de-passe?jeton=${match[1]}`;
}
