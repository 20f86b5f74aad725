// The whole account procedure in a real browser (issue 6): headless Debian Chromium driven by
// Playwright. Run by tests/integration/browser_procedure.rs, which starts the services (slapd,
// the daemon's `serve`, the SMTP sink), reads the received mail and checks the directory;
// this script only does what a person does in the browser.
//
// Talks to the Rust test by lines: it prints one JSON object per line on stdout
// ({"slip":…}, {"need":"confirmation_link"}, {"history":[…]}, {"done":…}) and reads the
// answers to "need" as lines on stdin. Anything else goes to stderr.
//
// Environment (never ZSZO_…, which the daemon would read as configuration):
//   E2E_BASE_URL          the daemon, e.g. http://127.0.0.1:40123
//   E2E_SCHOOL            the school's code
//   E2E_ADMIN_LOGIN, E2E_ADMIN_PASSWORD   a local administrator of the school
//   E2E_EMPLOYEE_ID       the employee's id (selects the row's actions exactly)
//   E2E_EMPLOYEE_SEARCH   what the administrator types, without diacritics
//   E2E_NEW_PASSWORD, E2E_EMAIL          what the employee chooses
//   E2E_SCREENSHOTS       the folder for NN-step.png
//   E2E_TOOLS             the folder with node_modules/playwright-core (.ci/install-deps)
//   E2E_PANEL_ONLY=1      stop after the hand-over slip (while the portal is not built yet)
//
// Elements are selected by id, name or the panel's structure, never by their (Polish) text.

import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('E2E_BASE_URL');
const shots = env('E2E_SCREENSHOTS');
const employeeId = env('E2E_EMPLOYEE_ID');
const { chromium } = createRequire(join(env('E2E_TOOLS'), 'package.json'))('playwright-core');

const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const stdinLines = createInterface({ input: process.stdin });
const answers = stdinLines[Symbol.asyncIterator]();
async function ask(what) {
  send({ need: what });
  const { value, done } = await answers.next();
  if (done) throw new Error(`no answer to ${what}`);
  return value.trim();
}

mkdirSync(shots, { recursive: true });
let step = 0;
async function shot(page, name) {
  step += 1;
  const file = join(shots, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.error(`screenshot ${file}`);
}

// Fails with the page's URL and status when the answer is not the one expected.
async function expectPath(page, path) {
  await page.waitForLoadState('load');
  const url = new URL(page.url());
  if (url.pathname !== path) {
    throw new Error(`expected ${path}, got ${page.url()}: ${(await page.content()).slice(0, 2000)}`);
  }
}

// The staff row of the employee (its state, menu open), then the employee's history; sends
// the history's rows to the Rust test, which knows what they must say.
async function adminChecks(admin) {
  await admin.goto(
    `${base}/panel/pracownicy?szkola=${encodeURIComponent(env('E2E_SCHOOL'))}` +
      `&q=${encodeURIComponent(env('E2E_EMPLOYEE_SEARCH'))}`,
  );
  await admin.click('table.staff tbody tr details.row-menu summary');
  await shot(admin, 'panel-account-state');
  await Promise.all([
    admin.waitForNavigation(),
    admin.click(`a[href="/panel/pracownicy/${employeeId}/historia"]`),
  ]);
  await expectPath(admin, `/panel/pracownicy/${employeeId}/historia`);
  const history = await admin.locator('table.history tbody tr').allInnerTexts();
  await shot(admin, 'panel-history');
  send({ history });
}

// This machine has no internet: without these flags Chromium keeps trying to reach Google's
// services and floods the log with refused connections. Playwright's launch() gives every
// run a fresh, temporary profile (--user-data-dir) of its own.
//
// The panel's cookies are `__Host-` cookies with `Secure`; Chromium keeps them over
// http://127.0.0.1 because it treats loopback as potentially trustworthy, so no
// --unsafely-treat-insecure-origin-as-secure is needed.
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  const viewport = { width: 1280, height: 860 };
  const adminContext = await browser.newContext({ viewport, locale: 'pl-PL' });
  const admin = await adminContext.newPage();
  admin.setDefaultTimeout(10_000);

  // 1. The local administrator signs in to the panel.
  await admin.goto(`${base}/panel/logowanie`);
  await admin.fill('#login', env('E2E_ADMIN_LOGIN'));
  await admin.fill('#password', env('E2E_ADMIN_PASSWORD'));
  await shot(admin, 'panel-sign-in');
  await Promise.all([admin.waitForNavigation(), admin.click('form[action="/panel/logowanie"] button[type=submit]')]);
  await expectPath(admin, '/panel/pracownicy');

  // 2. Searches the employee by name typed without diacritics.
  await admin.fill('#q', env('E2E_EMPLOYEE_SEARCH'));
  await Promise.all([admin.waitForNavigation(), admin.click('form.search button[type=submit]')]);
  await expectPath(admin, '/panel/pracownicy');
  const rows = admin.locator('table.staff tbody tr');
  const count = await rows.count();
  if (count !== 1) throw new Error(`expected one person found, got ${count}`);
  const create = `a[href="/panel/pracownicy/${employeeId}/utworz-konto"]`;
  await admin.click('table.staff tbody tr details.row-menu summary');
  await admin.locator(create).waitFor({ state: 'visible' });
  await shot(admin, 'panel-search-without-diacritics');

  // 3. Opens "create account" from the row's menu and confirms.
  await Promise.all([admin.waitForNavigation(), admin.click(create)]);
  await expectPath(admin, `/panel/pracownicy/${employeeId}/utworz-konto`);
  await shot(admin, 'panel-create-account');
  await Promise.all([admin.waitForNavigation(), admin.click('form.confirm button[type=submit]')]);

  // 4. Reads the login and the one-time password from the hand-over slip.
  const login = (await admin.textContent('#login')).trim();
  const oneTimePassword = (await admin.textContent('#haslo')).trim();
  await shot(admin, 'panel-hand-over-slip');
  send({ slip: { login, password: oneTimePassword } });

  if (process.env.E2E_PANEL_ONLY === '1') {
    await adminChecks(admin);
    send({ done: 'panel' });
  } else {
    // 5. The employee, in a browser of their own, signs in to the portal with the slip.
    const employeeContext = await browser.newContext({ viewport, locale: 'pl-PL' });
    const employee = await employeeContext.newPage();
    employee.setDefaultTimeout(10_000);
    await employee.goto(`${base}/portal/logowanie`);
    await employee.fill('#login', login);
    await employee.fill('#password', oneTimePassword);
    await shot(employee, 'portal-sign-in');
    await Promise.all([employee.waitForNavigation(), employee.click('form:has(#password) button[type=submit]')]);
    await expectPath(employee, '/portal/pierwsze-logowanie');

    // 6. Sets a new password and an email address.
    await employee.fill('#password', env('E2E_NEW_PASSWORD'));
    await employee.fill('#password_repeat', env('E2E_NEW_PASSWORD'));
    await employee.fill('#email', env('E2E_EMAIL'));
    await shot(employee, 'portal-first-login');
    await Promise.all([employee.waitForNavigation(), employee.click('form:has(#password) button[type=submit]')]);
    await expectPath(employee, '/portal');
    await shot(employee, 'portal-awaiting-confirmation');

    // 7. Opens the link from the mail the SMTP server received, and confirms with the button
    // (opening the link alone must not confirm: mail scanners open links).
    const link = await ask('confirmation_link');
    await employee.goto(link);
    await employee.locator('#confirm').waitFor({ state: 'visible' });
    await shot(employee, 'portal-confirm-link');
    await Promise.all([employee.waitForNavigation(), employee.click('#confirm')]);
    await shot(employee, 'portal-confirmed');

    // 8. The administrator sees the new account's state and the employee's history.
    await adminChecks(admin);
    send({ done: 'all' });
  }
} finally {
  await browser.close();
  // The Rust test keeps our stdin open; an open stdin would keep node running.
  stdinLines.close();
  process.stdin.destroy();
}
