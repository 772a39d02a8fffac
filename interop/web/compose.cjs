// The web client's compose form in Debian's headless Chromium, driven by playwright-core (issue
// 16): name, signature and the delay before sending set in Settings; a rich-text message (bold
// by Ctrl+B, a bulleted list from the toolbar) sent and released after the delay; a message sent
// and taken back with Undo (the form opens again with it); a reply to an HTML message quoting its
// HTML, the signature above the quote; hostile pasted HTML cleaned; the plain/rich switch both
// ways; the page in French. Run by
// interop/test_web_compose.py, which checks over IMAP what went out (this script prints a step's
// name when the page has done it and waits for `ok`).
//
// Environment: RELAIS_URL, RELAIS_USER / RELAIS_PASSWORD (Ann), RELAIS_COLLEAGUE and
// RELAIS_COLLEAGUE_PASSWORD (Bob, who replies from a browser of his own),
// RELAIS_HOLD (the delay set, in seconds), RELAIS_SCREENSHOTS.

'use strict';

const { step, check, screenshot, browse, signedInPage } = require('./steps.cjs');

const env = process.env;
const HOLD = Number(env.RELAIS_HOLD);

function message(page, subject) {
  return page.locator('li.message', { has: page.locator('.subject', { hasText: subject }) });
}

/** Settings: the display name, the signature, the delay before sending. */
async function settings(page) {
  await page.getByRole('tab', { name: 'Settings' }).click();
  const identity = page.locator('form.identity-form');
  await identity.getByLabel('Display name').fill('Ann Tester');
  await identity.getByLabel('Signature (plain text)').fill('Ann T.\nRelais team');
  await identity.getByRole('button', { name: 'Save' }).click();
  await identity.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const prefs = page.locator('form.preferences-form');
  check(await prefs.getByLabel(/Delay before sending/).inputValue() === '10', 'the delay is 10 s by default');
  await prefs.getByLabel(/Delay before sending/).fill(String(HOLD));
  await prefs.getByRole('button', { name: 'Save' }).click();
  await prefs.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await screenshot(page, 'settings-identity');
  await page.getByRole('tab', { name: 'Mail' }).click();
  await page.getByRole('button', { name: 'New message' }).waitFor();
}

/** Starts a message to Bob; its form. */
async function newMessage(page, subject) {
  await page.getByRole('button', { name: 'New message' }).click();
  const form = page.getByRole('form', { name: 'New message' });
  await form.getByLabel('To', { exact: true }).fill(`Bob <${env.RELAIS_COLLEAGUE}>`);
  await form.getByLabel('Subject').fill(subject);
  return form;
}

/** Sends and waits for the bar to say it went, after the delay. */
async function sendAndWait(page, form) {
  await form.getByRole('button', { name: 'Send' }).click();
  const bar = page.locator('.send-bar').last();
  await bar.filter({ hasText: /Sending in \d+ s/ }).waitFor();
  check(await bar.getByRole('button', { name: 'Undo' }).isVisible(), 'the bar offers Undo');
  return bar;
}

/** Rich text: bold by the keyboard, a list by the toolbar; the signature under it. */
async function richMessage(page) {
  const form = await newMessage(page, 'Rich hello');
  await form.getByLabel('Rich text').check();
  const editor = form.getByRole('textbox', { name: 'Message text' });
  check((await editor.innerText()).includes('Ann T.'), 'the signature is in the new message');
  await editor.focus();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('Hello ');
  await page.keyboard.press('Control+B');
  await page.keyboard.type('bold');
  await page.keyboard.press('Control+B');
  await page.keyboard.type(' world');
  await page.keyboard.press('Enter');
  const bullets = form.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Bulleted list' });
  await bullets.click();
  check(await bullets.getAttribute('aria-pressed') === 'true', 'the list button shows the list');
  await page.keyboard.type('first');
  await page.keyboard.press('Enter');
  await page.keyboard.type('second');
  const html = await editor.evaluate((el) => el.getHTML());
  check(html.includes('<b>bold</b>') && html.includes('<li>first</li>'), `bold and a list: ${html}`);
  await screenshot(page, 'compose-rich');
  const bar = await sendAndWait(page, form);
  await screenshot(page, 'sending');
  await bar.filter({ hasText: 'Sent.' }).waitFor({ timeout: (HOLD + 10) * 1000 });
  await step('rich-sent');
}

/** Sent, then taken back within the delay: the form again, with the message. */
async function undoSend(page) {
  const form = await newMessage(page, 'Never mind');
  await form.getByLabel('Message text').fill('Please ignore this.');
  const bar = await sendAndWait(page, form);
  await bar.getByRole('button', { name: 'Undo' }).click();
  await bar.filter({ hasText: 'Not sent' }).waitFor();
  const again = page.getByRole('form', { name: 'New message' });
  check(await again.getByLabel('Subject').inputValue() === 'Never mind', 'the form opens again with the subject');
  const text = await again.getByLabel('Message text').inputValue();
  check(text.startsWith('Please ignore this.'), `and the text: ${JSON.stringify(text)}`);
  await screenshot(page, 'undone');
  await again.getByRole('button', { name: 'Close' }).click();
  await page.locator('.reading', { hasText: 'The draft is in Drafts.' }).waitFor();
  await step('undone');
}

/** A reply to an HTML message: rich, the signature above the original's HTML, quoted. */
async function replyToHtml(page) {
  await message(page, 'Menu for Friday').click();
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const form = page.getByRole('form', { name: 'New message' });
  check(await form.getByLabel('Rich text').isChecked(), 'a reply to HTML is rich text');
  const editor = form.getByRole('textbox', { name: 'Message text' });
  await editor.locator('blockquote b', { hasText: 'and' }).waitFor();
  check(await editor.locator('img, script').count() === 0, 'no image or script quoted');
  await editor.focus();
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('Count me in.');
  await screenshot(page, 'reply-rich');
  const bar = await sendAndWait(page, form);
  await bar.filter({ hasText: 'Sent.' }).waitFor({ timeout: (HOLD + 10) * 1000 });
  await step('replied');
}

/**
 * Bob, in a browser of his own, replies to Ann's rich message; Ann's page shows the reply arrive
 * in her Inbox without a reload (the push).
 * @param {import('playwright-core').Page} page Ann's
 */
async function colleagueReplies(page) {
  await page.locator('.folder[data-role="inbox"]').click();
  const browser = page.context().browser();
  check(browser, 'a browser');
  const bob = await signedInPage(/** @type {any} */ (browser), env.RELAIS_COLLEAGUE, env.RELAIS_COLLEAGUE_PASSWORD);
  try {
    await message(bob.page, 'Rich hello').click();
    await bob.page.getByRole('button', { name: 'Reply', exact: true }).click();
    const form = bob.page.getByRole('form', { name: 'New message' });
    const editor = form.getByRole('textbox', { name: 'Message text' });
    await editor.focus();
    await bob.page.keyboard.press('Control+Home');
    await bob.page.keyboard.type('Thanks, Ann!');
    await form.getByRole('button', { name: 'Send' }).click();
    // Bob's own delay before sending (10 s unless he changed it), then the delivery and the push.
    await message(page, 'Re: Rich hello').waitFor({ timeout: 40000 });
    check(bob.errors.length === 0, `no error in Bob's page: ${bob.errors.join('; ')}`);
  } finally {
    await bob.context.close();
  }
  await screenshot(page, 'colleague-replied');
  await step('colleague-replied');
}

/**
 * HTML pasted into the editor is cleaned before it is in the page. Its inert parse (DOMParser)
 * meets the page's policy, which reports the handlers and inline styles it refuses: those
 * reports are expected here, and only here.
 */
async function paste(page, errors) {
  const before = errors.length;
  const form = await newMessage(page, 'Pasted');
  await form.getByLabel('Rich text').check();
  const editor = form.getByRole('textbox', { name: 'Message text' });
  await editor.focus();
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData('text/html', '<b>pasted</b><img src="x" onerror="window.pwned = 1">'
      + '<script>window.pwned = 2</script><a href="javascript:window.pwned = 3">link</a>'
      + '<p style="color: red" onclick="window.pwned = 4">para</p><img src="https://tracker.example/p.gif">');
    data.setData('text/plain', 'pasted');
    document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true,
      cancelable: true }));
  });
  await editor.locator('b', { hasText: 'pasted' }).waitFor();
  const html = await editor.evaluate((el) => el.getHTML());
  check(!/<img|<script|onerror|onclick|javascript:|style=/i.test(html), `the paste is cleaned: ${html}`);
  check(await page.evaluate(() => window.pwned) === undefined, 'nothing pasted ran');
  const reports = errors.splice(before);
  errors.push(...reports.filter((e) => !/Content Security Policy directive '(script|style)-src 'self''/.test(e)));
  // The switch: rich text becomes its plain form, and plain text rich again.
  await form.getByLabel('Rich text').uncheck();
  const plain = await form.getByLabel('Message text').inputValue();
  check(plain.startsWith('pasted') && plain.includes('para') && plain.includes('-- \nAnn T.'), `as plain text: ${plain}`);
  await form.getByLabel('Message text').fill('line one\n> quoted');
  await form.getByLabel('Rich text').check();
  await editor.locator('blockquote', { hasText: 'quoted' }).waitFor();
  check((await editor.innerText()).startsWith('line one'), 'plain text as rich text');
  await form.getByRole('button', { name: 'Discard' }).click();
  await page.locator('.reading', { hasText: 'Draft discarded.' }).waitFor();
}

/** The page in French, chosen in Settings. */
async function french(page) {
  await page.getByRole('tab', { name: 'Settings' }).click();
  const prefs = page.locator('form.preferences-form');
  await prefs.getByLabel('Language').selectOption('fr');
  await Promise.all([page.waitForEvent('load'), prefs.getByRole('button', { name: 'Save' }).click()]);
  await page.getByRole('tab', { name: 'Courrier' }).waitFor();
  check(await page.getByRole('tab', { name: 'Paramètres' }).count() === 1, 'the tabs in French');
  check(await page.getByRole('button', { name: 'Nouveau message' }).count() === 1, 'the buttons in French');
  check(await page.evaluate(() => document.documentElement.lang) === 'fr', 'the page says it is French');
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  await screenshot(page, 'french');
  await step('french');
}

browse(async (page, errors) => {
  try {
    await settings(page);
    await richMessage(page);
    await colleagueReplies(page);
    await undoSend(page);
    await replyToHtml(page);
    await paste(page, errors);
    await french(page);
  } catch (e) {
    await screenshot(page, 'failed').catch(() => null);
    throw e;
  }
}, { timeout: 30000 });
