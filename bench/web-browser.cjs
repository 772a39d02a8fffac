// The web client measured in Debian's headless Chromium (bench/web runs it): the bytes the first
// load transfers (compressed, headers included: the CDP's encodedDataLength of every response),
// the time from submitting the login form to the inbox list painted, and from a click on a row
// to the message's body shown. Each timing is taken in the page (performance.now, until the
// frame after the DOM has it), RUNS times, each login in a new browser context (no cache, no
// cookie). Prints one line per figure and, last, the line bench/web ends with.
//
// Environment: RELAIS_URL, RELAIS_USER, RELAIS_PASSWORD, NODE_PATH (playwright-core), RUNS.

'use strict';

const { chromium } = require('playwright-core');

const env = process.env;
const RUNS = Number(env.RUNS || 5);

/** One login in a fresh context: bytes transferred, then login → inbox painted (ms). */
async function login(browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    // EventSource stays open; what it sends is not the load's.
    bytes += e.encodedDataLength;
  });
  await page.goto(env.RELAIS_URL);
  await page.getByLabel('Password', { exact: true }).waitFor();
  const page1 = bytes;
  await page.getByLabel('Email address', { exact: true }).fill(env.RELAIS_USER);
  await page.getByLabel('Password', { exact: true }).fill(env.RELAIS_PASSWORD);
  const wait = page.evaluate(() => {
    const start = performance.now();
    document.querySelector('form button[type="submit"]').click();
    return new Promise((resolve) => {
      const look = () => {
        if (document.querySelector('li.message[data-id]')) {
          requestAnimationFrame(() => resolve(performance.now() - start));
        } else {
          requestAnimationFrame(look);
        }
      };
      look();
    });
  });
  const ms = await wait;
  // Quiet network: every response of the first screen counted.
  await page.waitForLoadState('networkidle').catch(() => {});
  return { context, page, ms, pageBytes: page1, allBytes: bytes, requests: requests.size };
}

/** Opens the `i`th row shown: click → subject and body shown (ms). */
async function open(page, i) {
  return page.evaluate((n) => {
    const rows = document.querySelectorAll('li.message[data-id]');
    const li = /** @type {HTMLElement} */ (rows[n % rows.length]);
    document.querySelector('.reading').replaceChildren();
    const start = performance.now();
    li.click();
    return new Promise((resolve) => {
      const look = () => {
        if (document.querySelector('.reading h2.subject') && document.querySelector('.reading .text-body, .reading iframe.html-body')) {
          requestAnimationFrame(() => resolve(performance.now() - start));
        } else {
          requestAnimationFrame(look);
        }
      };
      look();
    });
  }, i);
}

function median(list) {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const browser = await chromium.launch({ executablePath: env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const logins = [];
    const opens = [];
    let weight = null;
    for (let run = 0; run < RUNS; run += 1) {
      const got = await login(browser);
      logins.push(got.ms);
      weight ??= got;
      const total = await got.page.locator('li.message[data-id]').first().getAttribute('aria-setsize');
      if (run === 0) {
        console.log(`inbox: ${total} rows; first load: ${got.requests} requests`);
      }
      for (let i = 0; i < 4; i += 1) {
        opens.push(await open(got.page, i + 1));
      }
      await got.context.close();
    }
    const kib = (b) => (b / 1024).toFixed(1);
    console.log(`page weight: ${kib(weight.pageBytes)} KiB to the login form, ${kib(weight.allBytes)} KiB to the inbox shown`);
    console.log(`login -> inbox painted (ms): ${logins.map((m) => m.toFixed(0)).join(' ')}`);
    console.log(`open message (ms): ${opens.map((m) => m.toFixed(0)).join(' ')}`);
    console.log(`page_kib=${kib(weight.allBytes)} login_to_inbox_ms=${median(logins).toFixed(0)} open_message_ms=${median(opens).toFixed(0)}`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
