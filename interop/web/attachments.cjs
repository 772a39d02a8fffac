// The web client's attachments, inline images, quoted text and search filters in Debian's headless
// Chromium, driven by playwright-core (issue 16). Run by interop/test_web_attachments.py, which
// starts the server, delivers the mail and checks over IMAP and on disk what the page did: this
// script prints a step's name when the page has done it and waits for `ok` on stdin.
//
// Environment: RELAIS_URL, RELAIS_USER / RELAIS_PASSWORD (Ann), RELAIS_COLLEAGUE /
// RELAIS_COLLEAGUE_PASSWORD (Bob), RELAIS_SCREENSHOTS, RELAIS_DOWNLOADS (where downloads are
// saved), RELAIS_FILES (the files to attach), RELAIS_DROPPED (the text of the dropped file).

'use strict';

const path = require('node:path');
const { chromium } = require('playwright-core');
const { step, check, screenshot, sendAtOnce } = require('./steps.cjs');

const env = process.env;
const url = env.RELAIS_URL;
const TIMEOUT = 20000;

function message(page, subject) {
  return page.locator('li.message', { has: page.locator('.subject', { hasText: subject }) });
}

/** A signed-in page of a new browser context (its own cookies), watched for errors. */
async function signIn(browser, user, password, problems) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, timezoneId: 'UTC',
    viewport: { width: 1400, height: 1000 } });
  // Sent at once: the test checks delivery right after Send (compose.cjs tests Undo's delay).
  await sendAtOnce(context);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => problems.push(`${user}: ${e}`));
  await page.goto(url);
  await page.getByLabel('Email address').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Mail' }).waitFor();
  page.on('console', (m) => { if (m.type() === 'error') { problems.push(`${user}: ${m.text()}`); } });
  return page;
}

/** Clicks a link that downloads and saves the file as `name`. */
async function download(page, link, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  await file.saveAs(path.join(env.RELAIS_DOWNLOADS, name));
}

/** The plain message: quotes folded, the files listed and downloaded; the hostile one inert. */
async function reading(page) {
  await message(page, 'Report attached').click();
  const pane = page.locator('.reading');
  await pane.locator('h2.subject', { hasText: 'Report attached' }).waitFor();
  const quoted = pane.locator('.text-body .quoted');
  check(await quoted.count() === 1 && !(await quoted.isVisible()), 'the quote is folded');
  check((await pane.locator('.text-body').innerText()).includes('Here it is.'), 'the own text shown');
  const items = pane.locator('.attachments li.attachment');
  check(await items.count() === 3, 'three attachments listed');
  check((await items.nth(0).innerText()).replace(/\s+/g, ' ') === 'Bericht März.pdf application/pdf 93 KB',
    `the first listed with type and size: ${await items.nth(0).innerText()}`);
  check((await items.nth(1).innerText()).includes('hostile.html'), 'the second listed');
  check((await items.nth(2).innerText()).includes('image/svg+xml'), 'the third listed');
  await screenshot(page, 'message-attachments');
  await pane.getByRole('button', { name: 'Show quoted text' }).click();
  await quoted.waitFor({ state: 'visible' });
  check((await quoted.innerText()).includes('> Can you send the report?'), 'the quote shown');
  await screenshot(page, 'quoted-shown');
  await pane.getByRole('button', { name: 'Hide quoted text' }).click();
  await quoted.waitFor({ state: 'hidden' });

  await download(page, pane.getByRole('link', { name: 'Bericht März.pdf' }), 'report.pdf');
  for (const name of ['hostile.html', 'hostile.svg']) {
    const hostile = pane.getByRole('link', { name });
    await download(page, hostile, name);
    // Visited directly (a link in a mail could point there): saved, never shown as a page of ours.
    const href = await hostile.getAttribute('href');
    check(href.startsWith(`${url}/jmap/download/`), `a same-origin download URL: ${href}`);
    const visit = await page.context().newPage();
    const [visited] = await Promise.all([visit.waitForEvent('download'), visit.goto(href).catch(() => null)]);
    check(visited.suggestedFilename() === name, `saved under its name: ${visited.suggestedFilename()}`);
    await visited.saveAs(path.join(env.RELAIS_DOWNLOADS, `visited-${name}`));
    check(await visit.title() !== 'pwned', 'the visited download shows no page');
    await visit.close();
  }
  check(await page.evaluate(() => localStorage.getItem('pwned')) === null, 'the hostile scripts never ran');
  check(await page.title() !== 'pwned', 'the page is untouched');
  await step('downloaded');
}

/** The HTML message: its cid: image shown from its part, its quote folded. */
async function inlineImage(page) {
  await message(page, 'Inline logo').click();
  const shown = () => {
    const doc = document.querySelector('iframe.html-body')?.contentDocument;
    const img = doc?.querySelector('img[alt=logo]');
    return Boolean(img && img.complete && img.naturalWidth === 8);
  };
  await page.waitForFunction(shown);
  const frame = page.frameLocator('iframe.html-body');
  const src = await frame.locator('img[alt=logo]').getAttribute('src');
  check(src.startsWith(`${url}/jmap/download/`) && src.includes('type=image%2Fpng'), `the image from its part: ${src}`);
  check(await page.locator('.reading .notice').count() === 0, 'nothing remote to allow');
  check(await page.locator('.reading .attachments').count() === 0, 'the inline image is not listed as a file');
  const quote = frame.locator('.gmail_quote');
  check(!(await quote.isVisible()), 'the HTML quote is folded');
  await page.getByRole('button', { name: 'Show quoted text' }).click();
  await quote.waitFor({ state: 'visible' });
  await screenshot(page, 'inline-image');
  await step('inline-image');
}

/** Files picked, refused, removed and dropped; the draft saved; sent to Bob. */
async function compose(page) {
  await page.getByRole('button', { name: 'New message' }).click();
  const form = page.getByRole('form', { name: 'New message' });
  await form.getByLabel('To', { exact: true }).fill(env.RELAIS_COLLEAGUE);
  await form.getByLabel('Subject').fill('Files for Bob');
  await form.getByLabel('Message text').fill('Here are the files.');
  const picker = form.locator('#compose-files');
  await picker.setInputFiles(['data.bin', 'notes.txt'].map((f) => path.join(env.RELAIS_FILES, f)));
  await picker.setInputFiles(path.join(env.RELAIS_FILES, 'too-big.bin'));
  await form.getByRole('alert').filter({ hasText: '“too-big.bin” is 1.5 MB; the largest file this server takes is 1.0 MB.' })
    .waitFor();
  await picker.setInputFiles({ name: 'wrong.txt', mimeType: 'text/plain', buffer: Buffer.from('not this one') });
  await form.locator('.attachment-chip.uploaded', { hasText: 'wrong.txt' }).waitFor();
  await form.getByRole('button', { name: 'Remove wrong.txt' }).click();
  const dropped = await page.evaluateHandle((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
    return data;
  }, env.RELAIS_DROPPED);
  await form.dispatchEvent('dragover', { dataTransfer: dropped });
  await form.dispatchEvent('drop', { dataTransfer: dropped });
  const chips = form.locator('.attachment-chip');
  await form.locator('.attachment-chip.uploaded', { hasText: 'dropped.csv' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.attachment-chip.uploaded').length === 3);
  check(await chips.count() === 3, 'three files: two picked, one dropped');
  check((await chips.allInnerTexts()).some((c) => c.includes('data.bin') && c.includes('195 KB')), 'name and size');
  await screenshot(page, 'compose-attachments');
  await step('draft');
  // Closed, and opened again from Drafts: the files come back with it (its own parts).
  await form.getByRole('button', { name: 'Close' }).click();
  await page.locator('.reading .placeholder', { hasText: 'The draft is in Drafts.' }).waitFor();
  await page.locator('button.folder[data-role=drafts]').click();
  await message(page, 'Files for Bob').click();
  await page.locator('.reading .attachments li.attachment', { hasText: 'dropped.csv' }).waitFor();
  await page.getByRole('button', { name: 'Edit draft' }).click();
  check(await form.locator('.attachment-chip.uploaded').count() === 3, 'the draft opened again has its three files');
  await form.getByRole('button', { name: 'Send' }).click();
  await page.locator('.reading .placeholder', { hasText: 'Sent.' }).waitFor();
  await step('sent');

  // A forward keeps the original's files.
  await page.locator('button.folder[data-role=inbox]').click();
  await message(page, 'Report attached').click();
  await page.getByRole('button', { name: 'Forward' }).click();
  const fwd = page.getByRole('form', { name: 'New message' });
  check(await fwd.locator('.attachment-chip.uploaded').count() === 3, 'the forward carries the three files');
  await fwd.getByLabel('To', { exact: true }).fill(env.RELAIS_COLLEAGUE);
  await fwd.getByRole('button', { name: 'Send' }).click();
  await page.locator('.reading .placeholder', { hasText: 'Sent.' }).waitFor();
  await step('forwarded');
}

/** Bob: has-attachment and the dates find what they should; his copy's file downloads. */
async function colleague(page) {
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await message(page, 'Fwd: Report attached').waitFor();
  check(await message(page, 'No files here').locator('.has-attachment').count() === 0, 'no clip without files');
  check(await message(page, 'Files for Bob').locator('.has-attachment').count() === 1, 'a clip with files');
  await page.getByRole('checkbox', { name: 'Has attachments' }).check();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.status', { hasText: '2 found for “with attachments”' }).waitFor();
  check(await message(page, 'No files here').count() === 0, 'the message without files left out');
  await page.getByLabel('Received until').fill(yesterday);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.status', { hasText: '0 found' }).waitFor();
  await page.getByLabel('Received from').fill(today);
  await page.getByLabel('Received until').fill(today);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.status', { hasText: '2 found' }).waitFor();
  await screenshot(page, 'search-attachments');
  await step('searched');
  await message(page, 'Files for Bob').click();
  const items = page.locator('.reading .attachments li.attachment');
  await items.first().waitFor();
  check(await items.count() === 3, 'three files listed');
  await screenshot(page, 'colleague-message');
  await download(page, page.locator('.reading').getByRole('link', { name: 'data.bin' }), 'bob-data.bin');
  await step('colleague-downloaded');
}

async function main() {
  const browser = await chromium.launch({ executablePath: env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  const problems = [];
  let page = null;
  try {
    page = await signIn(browser, env.RELAIS_USER, env.RELAIS_PASSWORD, problems);
    await reading(page);
    await inlineImage(page);
    await compose(page);
    page = await signIn(browser, env.RELAIS_COLLEAGUE, env.RELAIS_COLLEAGUE_PASSWORD, problems);
    await colleague(page);
    check(problems.length === 0, `no page errors: ${problems.join('; ')}`);
  } catch (e) {
    if (page) {
      await screenshot(page, 'failed').catch(() => null);
    }
    throw new Error(`${e.message}\n${problems.join('; ')}`);
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
