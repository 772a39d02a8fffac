// What the browser scripts of interop/test_web*.py share: the step handshake with the Python test
// (the script prints `STEP name [words…]` when the page has done something and waits for `ok` on
// stdin, so that the test checks it over IMAP, CalDAV… and goes on), checks, and screenshots
// (to RELAIS_SCREENSHOTS when it is set).

'use strict';

const path = require('node:path');
const readline = require('node:readline');

const shots = process.env.RELAIS_SCREENSHOTS;
let lines = null;

/** Tells the test a step is done (with words for it to check) and waits for its go-ahead. */
async function step(name, ...words) {
  lines ??= readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log(`STEP ${[name, ...words].join(' ')}`);
  const { value, done } = await lines.next();
  if (done || value.trim() !== 'ok') {
    throw new Error(`after ${name}: the test said ${JSON.stringify(value)}`);
  }
}

function check(condition, what) {
  if (!condition) {
    throw new Error(`failed: ${what}`);
  }
}

async function screenshot(page, name) {
  if (shots) {
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }
}

/** Fills the sign-in form and waits for the Mail tab. */
async function signIn(page, user, password) {
  await page.getByLabel('Email address', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Mail' }).waitFor();
}

/**
 * Sets the page of `context` to send at once (Settings' delay before sending, which allows Undo,
 * at 0): for tests that check a message's delivery right after Send. interop/web/compose.cjs
 * tests the delay and Undo themselves.
 */
async function sendAtOnce(context) {
  await context.addInitScript(() => window.localStorage.setItem('relais.undoSeconds', '0'));
}

/**
 * A new browser context signed in as `who`: its page, and `errors` gathering the page's errors
 * and, once signed in, its console errors. `viewport`, `colorScheme` (the system's
 * prefers-color-scheme) and `hasTouch` are the context's.
 */
async function signedInPage(browser, who, secret, { timezoneId = 'Europe/Berlin', timeout = 15000,
  viewport = { width: 1400, height: 1000 }, colorScheme = 'light', hasTouch = false } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, timezoneId, viewport, colorScheme, hasTouch });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(process.env.RELAIS_URL);
  await signIn(page, who, secret);
  // Signed in (the page's /web/session before it is a 401): from here, no console error either.
  page.on('console', (m) => { if (m.type() === 'error') { errors.push(m.text()); } });
  return { context, page, errors };
}

/**
 * Runs `body(page, errors)` in Debian's headless Chromium signed in at RELAIS_URL as RELAIS_USER
 * (password RELAIS_PASSWORD), then fails on any page error or, once signed in, console error
 * (`body` may take out those it expects); exits 0 or 1 as the test expects.
 */
function browse(body, options = {}) {
  const { chromium } = require('playwright-core');
  const main = async () => {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const { page, errors } =
        await signedInPage(browser, process.env.RELAIS_USER, process.env.RELAIS_PASSWORD, options);
      await body(page, errors);
      check(errors.length === 0, `no error in the page: ${errors.join('; ')}`);
    } finally {
      await browser.close();
    }
  };
  main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}

module.exports = { step, check, screenshot, signIn, signedInPage, browse, sendAtOnce };
