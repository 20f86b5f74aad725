// The whole account procedure in a real browser (issue 6): headless Debian Chromium driven by
// Playwright. Run by tests/integration/browser_procedure.rs, which starts the services (slapd,
// the daemon's `serve`, the SMTP sink), reads the received mail and checks the directory;
// this script only does what a person does in the browser.
//
// Talks to the Rust test by lines: it prints one JSON object per line on stdout and reads the
// answers to "need" as lines on stdin. Anything else goes to stderr. In order:
//   {"slip":{login,password}}          the hand-over slip
//   {"need":"confirmation_link"}       answered with the link from the employee's mail
//   {"portal":{…}}                     what the account page said before and after confirming
//   {"need":"admin_notice"}            answered ("ok") once the administrator's mail is there
//   {"todos":{before,after}}           the new-accounts page's rows before and after confirming
//   {"history":[…]}                    the rows of the employee's history
//   {"f02_pdf":path}                   the F-02 PDF, saved for the Rust test to render
//   {"records":{register,rooms}}       the F-03 register's rows, the F-04 print's room count
//   {"slip_pdf":path}                  the hand-over slip printed to PDF (issue 16)
//   {"need":"reset_link"}              answered with the link of the "forgotten password" mail
//   {"reset":{signedOut}}              whether the employee's other session ended with the reset
//   {"axe":{pages,violations}}         axe-core's WCAG 2.1 AA check of every page, Polish and English
//   {"done":"all"}
//
// Environment (never ZSZO_…, which the daemon would read as configuration):
//   E2E_BASE_URL          the daemon, e.g. http://127.0.0.1:40123
//   E2E_SCHOOL            the school's code
//   E2E_ADMIN_LOGIN, E2E_ADMIN_PASSWORD   a local administrator of the school
//   E2E_EMPLOYEE_ID       the employee's id (selects the row's actions exactly)
//   E2E_EMPLOYEE_SEARCH   what the administrator types, without diacritics
//   E2E_NEW_PASSWORD, E2E_EMAIL          what the employee chooses
//   E2E_RESET_PASSWORD    the password the employee sets through "Nie pamiętam hasła"
//   E2E_SCREENSHOTS       the folder for NN-step.png (the procedure's steps)
//   E2E_RECORD_SHOTS      the folder for the school's records (history, F-02, F-03, F-04)
//   E2E_WORK              a scratch folder (the downloaded PDF)
//   E2E_TOOLS             the folder with node_modules/playwright-core and axe-core (.ci/install-deps)
//
// Elements are selected by id, name or the pages' structure, never by their (Polish) text.

import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('E2E_BASE_URL');
const school = env('E2E_SCHOOL');
const shots = env('E2E_SCREENSHOTS');
const recordShots = env('E2E_RECORD_SHOTS');
const employeeId = env('E2E_EMPLOYEE_ID');
const { chromium } = createRequire(join(env('E2E_TOOLS'), 'package.json'))('playwright-core');
const schoolQuery = `szkola=${encodeURIComponent(school)}`;

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
mkdirSync(recordShots, { recursive: true });
let step = 0;
async function shot(page, name) {
  step += 1;
  const file = join(shots, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.error(`screenshot ${file}`);
}
async function recordShot(page, name) {
  const file = join(recordShots, `${name}.png`);
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

// Goes to `path` and fails unless the page answered 200 there.
async function open(page, path) {
  const response = await page.goto(`${base}${path}`);
  if (response.status() !== 200) {
    throw new Error(`GET ${path}: ${response.status()}: ${(await page.content()).slice(0, 2000)}`);
  }
  await expectPath(page, path.split('?')[0]);
}

// Clicks what submits a form (a selector or a locator) and waits for the page it leads to.
async function submit(page, what) {
  const target = typeof what === 'string' ? page.locator(what) : what;
  await Promise.all([page.waitForNavigation(), target.click()]);
}

const text = async (page, selector) => (await page.textContent(selector)).trim();

// RFC 6238 TOTP (HMAC-SHA-1, 30 s, 6 digits) of a base32 key, as authenticator apps compute it.
function totp(base32) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, '0');
}

// --- axe-core (issue 16): every page is checked as it is shown, against WCAG 2.0/2.1 A and AA.
// The script is evaluated through the DevTools protocol, which the pages' CSP does not govern
// (the pages themselves load no script). Violations are collected and reported at the end.
const axeSource = readFileSync(join(env('E2E_TOOLS'), 'node_modules/axe-core/axe.min.js'), 'utf8');
const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const axeViolations = [];
let axePages = 0;
async function axe(page, name) {
  await page.waitForLoadState('load');
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    axeTags,
  );
  axePages += 1;
  const lang = await page.evaluate(() => document.documentElement.lang);
  for (const v of result.violations) {
    axeViolations.push({
      page: `${name} [${lang}] ${new URL(page.url()).pathname}`,
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    });
  }
}

// Visits `paths` in `page`'s context in Polish, then in English (the language switch of
// `area`, `/panel` or `/portal`), running axe on each; back to Polish afterwards.
async function axeTour(page, area, paths) {
  for (const lang of ['pl', 'en']) {
    await page.goto(`${base}${area}/jezyk?lang=${lang}&wroc=${encodeURIComponent(area)}`);
    for (const path of paths) {
      const response = await page.goto(`${base}${path}`);
      if (![200, 409, 410].includes(response.status())) {
        throw new Error(`axe tour: GET ${path}: ${response.status()}`);
      }
      await axe(page, `tour ${lang}`);
    }
  }
  await page.goto(`${base}${area}/jezyk?lang=pl&wroc=${encodeURIComponent(area)}`);
}
// --- end axe-core

// The new-accounts page's rows: the login and whether the to-do is still open (has its
// confirm button).
async function todoRows(admin) {
  return admin.locator('main table tbody tr').evaluateAll((rows) =>
    rows.map((tr) => ({
      login: tr.cells[2].textContent.trim(),
      open: tr.querySelector('form[action^="/panel/nowe-konta/"] button[type=submit]') !== null,
    })),
  );
}

// This machine has no internet: without these flags Chromium keeps trying to reach Google's
// services and floods the log with refused connections. Playwright's launch() gives every
// run a fresh, temporary profile (--user-data-dir) of its own.
//
// The panel's and the portal's cookies are `__Host-` cookies with `Secure`; Chromium keeps
// them over http://127.0.0.1 because it treats loopback as potentially trustworthy, so no
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

// --- "Nie pamiętam hasła" (issue 16): from the portal's sign-in page, a link to the confirmed
// address, a new password; the employee's other session ends. Then the portal's pages are
// checked by axe in both languages, signed in with the new password.
async function forgottenPassword(browser, viewport, login, employee, confirmationAskedAt) {
  const context = await browser.newContext({ viewport, locale: 'pl-PL' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await open(page, '/portal/logowanie');
  await submit(page, 'a[href="/portal/nie-pamietam-hasla"]');
  await expectPath(page, '/portal/nie-pamietam-hasla');
  await axe(page, 'forgotten password');
  await recordShot(page, 'portal-forgotten-password');
  // Links for one person are at most one per `portal.resend_min_interval_seconds` (10 here).
  const wait = 11_000 - (Date.now() - confirmationAskedAt);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await page.fill('#login', login);
  await submit(page, '#send-reset');
  await page.locator('#reset-sent').waitFor({ state: 'visible' });
  await axe(page, 'forgotten password, answered');
  const link = await ask('reset_link');
  await page.goto(link);
  await page.locator('#set-password').waitFor({ state: 'visible' });
  await axe(page, 'new password');
  await recordShot(page, 'portal-new-password');
  await page.fill('#password', env('E2E_RESET_PASSWORD'));
  await page.fill('#password_repeat', env('E2E_RESET_PASSWORD'));
  await submit(page, '#set-password');
  await page.locator('#password-reset').waitFor({ state: 'visible' });
  await axe(page, 'password reset');
  // The employee's earlier session ended.
  await employee.goto(`${base}/portal`);
  const signedOut = new URL(employee.url()).pathname === '/portal/logowanie';
  send({ reset: { signedOut } });
  await page.goto(`${base}${link.slice(link.indexOf('/portal/'))}`);
  await axe(page, 'used reset link');
  // Signed in with the new password: the portal's pages in both languages.
  await open(page, '/portal/logowanie');
  await page.fill('#login', login);
  await page.fill('#password', env('E2E_RESET_PASSWORD'));
  await submit(page, '#sign-in');
  await expectPath(page, '/portal');
  await axeTour(page, '/portal', ['/portal', '/portal/haslo', '/portal/email']);
  const anonymous = await context.browser().newContext({ viewport, locale: 'pl-PL' });
  const outside = await anonymous.newPage();
  await axeTour(outside, '/portal', ['/portal/logowanie', '/portal/nie-pamietam-hasla']);
  await anonymous.close();
  await context.close();
}
// --- end "Nie pamiętam hasła"

try {
  const viewport = { width: 1280, height: 860 };
  const adminContext = await browser.newContext({ viewport, locale: 'pl-PL' });
  const admin = await adminContext.newPage();
  admin.setDefaultTimeout(10_000);

  // 1. The local administrator signs in to the panel.
  await open(admin, '/panel/logowanie');
  await axe(admin, 'panel sign-in');
  await admin.fill('#login', env('E2E_ADMIN_LOGIN'));
  await admin.fill('#password', env('E2E_ADMIN_PASSWORD'));
  await shot(admin, 'panel-sign-in');
  await submit(admin, 'form[action="/panel/logowanie"] button[type=submit]');
  // The first panel sign-in enrols the second factor: the code is computed from the key the
  // page shows as text (what an authenticator app does with the QR code).
  await expectPath(admin, '/panel/drugi-skladnik');
  await axe(admin, 'second factor enrolment');
  await admin.fill('#kod', totp(await text(admin, '#sekret')));
  await submit(admin, '#confirm-code');
  await expectPath(admin, '/panel/drugi-skladnik');
  await admin.waitForSelector('#recovery-codes li');
  await axe(admin, 'recovery codes');
  await submit(admin, '#to-panel');
  // The start page (issue 16): the administrator's work; then the staff search.
  await expectPath(admin, '/panel');
  await axe(admin, 'start page');
  await recordShot(admin, 'panel-start');
  await open(admin, `/panel/pracownicy?${schoolQuery}`);

  // 2. Searches the employee by name typed without diacritics.
  await admin.fill('#q', env('E2E_EMPLOYEE_SEARCH'));
  await submit(admin, 'form.search button[type=submit]');
  await expectPath(admin, '/panel/pracownicy');
  const rows = admin.locator('table.staff tbody tr');
  const count = await rows.count();
  if (count !== 1) throw new Error(`expected one person found, got ${count}`);
  const create = `a[href="/panel/pracownicy/${employeeId}/utworz-konto"]`;
  await admin.click('table.staff tbody tr details.row-menu summary');
  await admin.locator(create).waitFor({ state: 'visible' });
  await shot(admin, 'panel-search-without-diacritics');
  await axe(admin, 'search, menu open');

  // 3. Opens "create account" from the row's menu and confirms.
  await submit(admin, create);
  await expectPath(admin, `/panel/pracownicy/${employeeId}/utworz-konto`);
  await shot(admin, 'panel-create-account');
  await axe(admin, 'create account');
  await submit(admin, 'form.confirm button[type=submit]');

  // 4. Reads the login and the one-time password from the hand-over slip.
  const login = await text(admin, '#login');
  const oneTimePassword = await text(admin, '#haslo');
  await shot(admin, 'panel-hand-over-slip');
  await axe(admin, 'slip');
  send({ slip: { login, password: oneTimePassword } });
  // The slip printed to PDF (issue 16: the print starts with the slip, the login unbroken).
  await admin.emulateMedia({ media: 'print' });
  const slipPdf = join(env('E2E_WORK'), 'slip.pdf');
  await admin.pdf({ path: slipPdf, format: 'A4' });
  await admin.emulateMedia({ media: 'screen' });
  send({ slip_pdf: slipPdf });

  // 5. The employee, in a browser of their own, signs in to the portal with the slip.
  const employeeContext = await browser.newContext({ viewport, locale: 'pl-PL' });
  const employee = await employeeContext.newPage();
  employee.setDefaultTimeout(10_000);
  await open(employee, '/portal/logowanie');
  await axe(employee, 'portal sign-in');
  await employee.fill('#login', login);
  await employee.fill('#password', oneTimePassword);
  await shot(employee, 'portal-sign-in');
  await submit(employee, '#sign-in');
  await expectPath(employee, '/portal/pierwsze-logowanie');

  // 6. Sets a new password and an email address; the account waits for the confirmation.
  await employee.fill('#password', env('E2E_NEW_PASSWORD'));
  await employee.fill('#password_repeat', env('E2E_NEW_PASSWORD'));
  await employee.fill('#email', env('E2E_EMAIL'));
  await shot(employee, 'portal-first-login');
  await axe(employee, 'first login');
  await submit(employee, '#save');
  const confirmationAskedAt = Date.now();
  await expectPath(employee, '/portal');
  const awaiting = { state: await text(employee, '#account-state'), pending: await text(employee, '#pending-email') };
  await shot(employee, 'portal-awaiting-confirmation');
  await axe(employee, 'awaiting confirmation');

  // 7. Opens the link from the mail the SMTP server received, and confirms with the button
  // (opening the link alone must not confirm: mail scanners open links).
  const link = await ask('confirmation_link');
  await employee.goto(link);
  await employee.locator('#confirm').waitFor({ state: 'visible' });
  await shot(employee, 'portal-confirm-link');
  await axe(employee, 'confirm link');
  await submit(employee, '#confirm');
  await employee.locator('#confirmed').waitFor({ state: 'visible' });
  await shot(employee, 'portal-confirmed');
  await axe(employee, 'confirmed');

  // 8. The account page now shows the account active with the confirmed address.
  await open(employee, '/portal');
  const active = { state: await text(employee, '#account-state'), email: await text(employee, '#account-email') };
  await shot(employee, 'portal-account-active');
  await axe(employee, 'account active');
  send({ portal: { awaiting, active } });

  // 9. The local administrator was told by mail (the Rust test reads it) and sees the new
  // account as an open to-do "update F-02/F-03/F-04"; confirms it.
  await ask('admin_notice');
  // The start page lists the new account with its link to the to-dos (issue 16).
  await open(admin, `/panel?${schoolQuery}`);
  if ((await admin.locator(`#nowe-konta ~ ul a[href="/panel/nowe-konta?${schoolQuery}"]`).count()) < 1) {
    throw new Error(`the start page does not list the new account: ${(await admin.content()).slice(0, 3000)}`);
  }
  await axe(admin, 'start page, new account');
  await recordShot(admin, 'panel-start-new-account');
  await open(admin, `/panel/nowe-konta?${schoolQuery}`);
  const before = await todoRows(admin);
  await shot(admin, 'panel-new-accounts');
  await axe(admin, 'new accounts');
  const ack = admin.locator('main table tbody tr').filter({
    has: admin.locator('td:nth-child(3)', { hasText: login }),
  }).locator('form button[type=submit]');
  await submit(admin, ack);
  await expectPath(admin, '/panel/nowe-konta');
  const after = await todoRows(admin);
  await shot(admin, 'panel-new-accounts-confirmed');
  send({ todos: { before, after } });

  // 10. The staff row shows the account's state (menu open); then the employee's history.
  await open(admin, `/panel/pracownicy?${schoolQuery}&q=${encodeURIComponent(env('E2E_EMPLOYEE_SEARCH'))}`);
  await admin.click('table.staff tbody tr details.row-menu summary');
  await shot(admin, 'panel-account-state');
  await submit(admin, `a[href="/panel/pracownicy/${employeeId}/historia"]`);
  await expectPath(admin, `/panel/pracownicy/${employeeId}/historia`);
  const history = await admin.locator('table.history tbody tr').allInnerTexts();
  await shot(admin, 'panel-history');
  await axe(admin, 'history');
  send({ history });

  // The school's records (issue 7), photographed for the README: the history, F-02 (print
  // view and PDF), the F-03 register, F-04 (two rooms added through the form, then printed).
  await open(admin, `/panel/historia?${schoolQuery}`);
  await recordShot(admin, 'school-history');
  await open(admin, `/panel/upowaznienia?${schoolQuery}`);
  const grant = await admin.locator('main table tbody tr')
    .filter({ has: admin.locator('td:nth-child(3)', { hasText: login }) })
    .locator('a[href$="/pdf?' + schoolQuery + '"]')
    .getAttribute('href');
  const printView = grant.replace('/pdf?', '?');
  await open(admin, printView);
  await recordShot(admin, 'f02-print');
  const pdf = await admin.request.get(`${base}${grant}`);
  if (pdf.status() !== 200) throw new Error(`GET ${grant}: ${pdf.status()}`);
  const pdfFile = join(env('E2E_WORK'), 'f02.pdf');
  writeFileSync(pdfFile, await pdf.body());
  send({ f02_pdf: pdfFile });
  await open(admin, `/panel/ewidencja?${schoolQuery}`);
  const register = await admin.locator('table.register tbody tr').allInnerTexts();
  await recordShot(admin, 'f03-register');
  await open(admin, `/panel/pomieszczenia?${schoolQuery}`);
  for (const [room, building, purpose] of [
    ['pok. 12 (sekretariat)', 'budynek A, ul. Szkolna 1', 'dokumentacja kadrowa i uczniowska'],
    ['pok. 14 (gabinet dyrektora)', 'budynek A, ul. Szkolna 1', 'akta osobowe pracowników'],
  ]) {
    await admin.fill('#pomieszczenie', room);
    await admin.fill('#budynek', building);
    await admin.fill('#przeznaczenie', purpose);
    await submit(admin, 'form[action="/panel/pomieszczenia/dodaj"] button[type=submit]');
    await expectPath(admin, '/panel/pomieszczenia');
  }
  await recordShot(admin, 'f04-rooms');
  await open(admin, `/panel/pomieszczenia/druk?${schoolQuery}`);
  const rooms = await admin.locator('table.register tbody tr').count();
  await recordShot(admin, 'f04-print');
  send({ records: { register, rooms } });

  await forgottenPassword(browser, viewport, login, employee, confirmationAskedAt);
  await axeTour(admin, '/panel', [
    '/panel',
    `/panel?${schoolQuery}`,
    `/panel/pracownicy?${schoolQuery}`,
    `/panel/pracownicy?${schoolQuery}&q=${encodeURIComponent(env('E2E_EMPLOYEE_SEARCH'))}`,
    `/panel/pracownicy/${employeeId}/historia`,
    `/panel/pracownicy/${employeeId}/nowe-haslo`,
    `/panel/do-wydania?${schoolQuery}`,
    `/panel/rejestry?${schoolQuery}`,
    `/panel/historia?${schoolQuery}`,
    `/panel/historia?${schoolQuery}&od=wczoraj`,
    `/panel/nowe-konta?${schoolQuery}`,
    `/panel/upowaznienia?${schoolQuery}`,
    printView,
    `/panel/ewidencja?${schoolQuery}`,
    `/panel/pomieszczenia?${schoolQuery}`,
    `/panel/pomieszczenia/druk?${schoolQuery}`,
    `/panel/pomieszczenia/usun?${schoolQuery}&wersja=2&lp=1`,
  ]);
  send({ axe: { pages: axePages, violations: axeViolations } });
  send({ done: 'all' });
} finally {
  await browser.close();
  // The Rust test keeps our stdin open; an open stdin would keep node running.
  stdinLines.close();
  process.stdin.destroy();
}
