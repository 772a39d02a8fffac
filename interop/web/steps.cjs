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

module.exports = { step, check, screenshot };
