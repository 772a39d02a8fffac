// The web client end to end in Debian's headless Chromium, driven by playwright-core (issue 16).
// Run by interop/test_web.py, which starts the server, delivers mail over SMTP and checks it over
// IMAP: this script prints a step's name when the page has done it and waits for `ok` on stdin
// before going on, so that each side checks what the other did.
//
//   RELAIS_URL=https://127.0.0.1:PORT RELAIS_USER=… RELAIS_PASSWORD=… CHROMIUM=/usr/bin/chromium \
//   NODE_PATH=…/node_modules node interop/web/e2e.cjs
//
// Screenshots go to RELAIS_SCREENSHOTS when it is set.

'use strict';

const { chromium } = require('playwright-core');
const { step, check, screenshot, sendAtOnce } = require('./steps.cjs');

const url = process.env.RELAIS_URL;
const user = process.env.RELAIS_USER;
const colleague = process.env.RELAIS_COLLEAGUE;
const password = process.env.RELAIS_PASSWORD;
const TIMEOUT = 20000;

/** The message list's entry whose subject is `subject`. */
function message(page, subject) {
  return page.locator('li.message', { has: page.locator('.subject', { hasText: subject }) });
}

async function login(page, pass) {
  await page.getByLabel('Email address').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Search, flag, read/unread and move, each checked over IMAP by the test. */
async function mailActions(page, second) {
  // Search (every folder): a field, then words anywhere; cleared, the folder again.
  const search = page.getByRole('searchbox', { name: 'Search mail' });
  await search.fill('subject:"Arrived while" from:carol');
  await search.press('Enter');
  await page.locator('.status', { hasText: '1 found' }).waitFor();
  check(await page.locator('li.message').count() === 1, 'the search finds one message');
  await second.waitFor();
  await screenshot(page, 'search');
  await search.fill('nothing-matches-this');
  await search.press('Enter');
  await page.locator('.status', { hasText: '0 found' }).waitFor();
  await page.getByRole('button', { name: 'Clear search' }).click();
  await message(page, /^Filler 3$/).waitFor();
  await step('searched');

  // Flag and mark unread from the reading pane's toolbar.
  await second.click();
  await page.locator('.reading h2.subject', { hasText: 'Arrived while open' }).waitFor();
  await page.getByRole('button', { name: 'Flag', exact: true }).click();
  await page.getByRole('button', { name: 'Unflag' }).waitFor();
  await page.getByRole('button', { name: 'Mark unread' }).click();
  await page.getByRole('button', { name: 'Mark read' }).waitFor();
  // The list row follows the server's answer, which may come after the pane's buttons changed.
  const marked = page.locator('li.message.flagged.unread', { has: page.locator('.subject', { hasText: 'Arrived while open' }) });
  check(await marked.waitFor({ timeout: 10_000 }).then(() => true, () => false), 'flagged and unread in the list');
  await screenshot(page, 'flagged');
  await step('flagged');

  // Moved to Archive with the menu: out of the list.
  await page.getByRole('combobox', { name: 'Move to…' }).selectOption({ label: 'Archive' });
  await second.waitFor({ state: 'detached' });
  await page.locator('.reading', { hasText: 'Moved to Archive.' }).waitFor();
  await step('moved');
}

/** A new message (its draft saved as typed, then sent), a reply and a forward. */
async function compose(page) {
  await page.getByRole('button', { name: 'New message' }).click();
  const form = page.getByRole('form', { name: 'New message' });
  await form.getByLabel('To', { exact: true }).fill(`Bob <${colleague}>`);
  await form.getByLabel('Subject').fill('Lunch on Friday');
  await form.getByLabel('Message text').fill('Shall we meet at noon?\nAnn');
  await form.locator('.saved', { hasText: 'Draft saved' }).waitFor();
  await screenshot(page, 'compose');
  await step('draft');
  // Closed, the draft waits in Drafts; opened there, it is written on and sent.
  await form.getByRole('button', { name: 'Close' }).click();
  await page.locator('.reading', { hasText: 'The draft is in Drafts.' }).waitFor();
  await page.locator('.folder[data-role="drafts"]').click();
  await message(page, 'Lunch on Friday').click();
  await page.getByRole('button', { name: 'Edit draft' }).click();
  const again = page.getByRole('form', { name: 'New message' });
  check((await again.getByLabel('To', { exact: true }).inputValue()).includes(colleague), 'the draft\'s recipient');
  const kept = (await again.getByLabel('Message text').inputValue()).trimEnd();
  check(kept === 'Shall we meet at noon?\nAnn', `the draft's text: ${JSON.stringify(kept)}`);
  // A bad address is refused in the form.
  await again.getByLabel('Cc', { exact: true }).fill('not an address');
  await again.getByRole('button', { name: 'Send' }).click();
  await again.getByRole('alert').filter({ hasText: 'Not an address: not an address' }).waitFor();
  await again.getByLabel('Cc', { exact: true }).fill('');
  await again.getByRole('button', { name: 'Send' }).click();
  await page.locator('.reading', { hasText: 'Sent.' }).waitFor();
  await message(page, 'Lunch on Friday').waitFor({ state: 'detached' });
  await page.locator('.folder[data-role="inbox"]').click();
  await step('sent');

  // Bob's question (the test put it in the inbox): a reply quotes it and names it.
  const question = message(page, 'Question from Bob');
  await question.waitFor();
  await question.click();
  await page.locator('.reading .text-body', { hasText: 'Are you coming?' }).waitFor();
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const replyForm = page.getByRole('form', { name: 'New message' });
  check(await replyForm.getByLabel('Subject').inputValue() === 'Re: Question from Bob', 'the reply\'s subject');
  check((await replyForm.getByLabel('To', { exact: true }).inputValue()).includes(colleague), 'the reply goes to Bob');
  const quoted = await replyForm.getByLabel('Message text').inputValue();
  check(quoted.includes('> Are you coming?'), `the question quoted: ${quoted}`);
  await replyForm.getByLabel('Message text').press('Control+Home');
  await replyForm.getByLabel('Message text').pressSequentially('Yes, I am.');
  await replyForm.getByLabel('Message text').press('Control+Enter');
  await page.locator('.reading', { hasText: 'Sent.' }).waitFor();
  await step('replied');

  // Forward: the subject and the original's headers; discarded, nothing kept.
  await question.click();
  await page.getByRole('button', { name: 'Forward' }).click();
  const fwd = page.getByRole('form', { name: 'New message' });
  check(await fwd.getByLabel('Subject').inputValue() === 'Fwd: Question from Bob', 'the forward\'s subject');
  check((await fwd.getByLabel('Message text').inputValue()).includes('Forwarded message'), 'the forward\'s text');
  await fwd.getByRole('button', { name: 'Discard' }).click();
  await page.locator('.reading', { hasText: 'Draft discarded.' }).waitFor();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    // Sent at once: the test checks delivery right after Send (compose.cjs tests Undo's delay).
    await sendAtOnce(context);
    context.setDefaultTimeout(TIMEOUT);
    const page = await context.newPage();
    const problems = [];
    // While the trap message is open, the page's policy refuses what the sanitiser's inert
    // parse of it meets (handlers, inline styles) and the frame's refuses what it asks of the
    // remote server: those reports are expected then, and only then.
    let trapOpen = false;
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      // Expected: the 401s of the session check and of the wrong password.
      const expected = /status of 401/.test(text)
        || (trapOpen && /Content Security Policy|Mixed Content/.test(text));
      if (m.type() === 'error' && !expected) {
        problems.push(`console: ${text}`);
      }
    });
    // Requests to elsewhere that were made (a request the policy stops fails with `csp`).
    const remote = [];
    page.on('requestfinished', (r) => {
      if (!r.url().startsWith(url)) {
        remote.push(r.url());
      }
    });

    // A wrong password is refused, and the form says so.
    await page.goto(url);
    await login(page, 'not the password');
    await page.getByRole('alert').filter({ hasText: 'Wrong address or password.' }).waitFor();
    check((await context.cookies()).length === 0, 'no cookie after a failed login');
    await screenshot(page, 'login-refused');

    // The right one: the inbox, with the message delivered over SMTP, unread.
    await login(page, password);
    const inbox = page.locator('.folder[data-role="inbox"]');
    await inbox.locator('.count').waitFor();
    check(await inbox.getAttribute('aria-current') === 'true', 'the inbox is open');
    const first = message(page, 'Hello over SMTP');
    await first.waitFor();
    check(await first.evaluate((li) => li.classList.contains('unread')), 'the message is unread');
    const [cookie] = await context.cookies();
    check(cookie && cookie.name === '__Host-relais-session', `the session cookie: ${JSON.stringify(cookie)}`);
    check(cookie.httpOnly && cookie.secure && cookie.sameSite === 'Strict', 'HttpOnly, Secure, SameSite=Strict');
    check(await page.evaluate(() => document.cookie) === '', 'the page cannot read the cookie');
    await screenshot(page, 'inbox');

    // Opened: shown, and marked read (the test looks over IMAP).
    await first.click();
    await page.locator('.reading .text-body', { hasText: 'first body line' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('li.message.unread .subject')
      ?.textContent?.includes('Hello over SMTP'));
    await inbox.locator('.count', { hasText: /^1$/ }).waitFor();
    await screenshot(page, 'message');
    await step('opened');

    // An HTML message: shown in the sandboxed frame with nothing active and no remote image
    // fetched until asked for.
    const html = message(page, 'HTML with traps');
    trapOpen = true;
    await html.click();
    const frame = page.frameLocator('iframe.html-body');
    await frame.locator('p', { hasText: 'Visible HTML text' }).waitFor();
    const sandbox = await page.locator('iframe.html-body').getAttribute('sandbox');
    check(!sandbox.includes('allow-scripts'), `the frame runs no script: ${sandbox}`);
    const body = frame.locator('body');
    const active = 'script, iframe, form, object, svg, meta, base, link, input';
    check(await body.locator(active).count() === 0, 'no active elements');
    const head = 'head script, head base, head link, head meta:not([charset])';
    check(await frame.locator(head).count() === 0, 'nothing in the head but the style sheets');
    check(await frame.locator('head style').count() === 1, 'the message\'s style sheet');
    check(await body.locator('[onerror], [onclick], [onload], [srcdoc], [srcset]').count() === 0, 'no handlers');
    check(await body.locator('a').count() === 3, 'every link kept');
    check(await body.locator('a[href]').count() === 1, 'the javascript: links have no target');
    const web = body.locator('a[href^="https:"]');
    check(await web.getAttribute('target') === '_blank', 'a web link opens outside the frame, whatever it said');
    check(await web.getAttribute('rel') === 'noopener noreferrer', 'and gives the page no opener');
    check(await body.locator('[style*="75rl"]').count() === 0, 'no CSS image spelt with escapes');
    check(await body.locator('[style*="url"]').count() === 0, 'no CSS image');
    check(await body.locator('img[src^="http"]').count() === 0, 'the remote image has no source');
    check(await page.evaluate(() => !('pwned' in window)), 'nothing ran in the page');
    check(remote.length === 0, `nothing fetched from elsewhere: ${remote}`);
    await screenshot(page, 'html-blocked');
    await step('html-blocked');
    await page.getByRole('button', { name: 'Show images' }).click();
    await frame.locator('img[src^="http"]').waitFor({ state: 'attached' });
    await page.waitForFunction(() => !('pwned' in window));
    await inbox.locator('.count').waitFor({ state: 'detached' });
    await screenshot(page, 'html-images');
    await step('html-images');
    trapOpen = false;

    // Deleted: gone from the list, in Trash (the test looks over IMAP).
    await first.click();
    await page.locator('.reading .text-body', { hasText: 'first body line' }).waitFor();
    await page.locator('.reading button.delete').click();
    await first.waitFor({ state: 'detached' });
    await step('deleted');

    // The test delivers another message: it appears without a reload.
    const second = message(page, 'Arrived while open');
    await second.waitFor();
    check(await second.evaluate((li) => li.classList.contains('unread')), 'the new message is unread');
    await inbox.locator('.count', { hasText: /^1$/ }).waitFor();
    await screenshot(page, 'pushed');
    await step('arrived');

    // The list draws the rows in view, not all 52 (the test appended 50 older messages); each
    // says its place; scrolled to the end, the oldest is there.
    check(await page.locator('li.message').count() < 52, 'only the rows in view are drawn');
    check(await second.getAttribute('aria-setsize') === '52', 'the list knows its 52 rows');
    await page.locator('.scroller').evaluate((s) => { s.scrollTop = s.scrollHeight; });
    await message(page, 'Filler 49').waitFor();
    // Rows drawn while the window that arrived with the new message is read again may say their
    // earlier place for a moment: the oldest must come to say it is the 52nd.
    const oldest = page.locator('li.message[aria-posinset="52"]', { hasText: 'Filler 49' });
    check(await oldest.waitFor({ timeout: 10000 }).then(() => true, () => false), 'the oldest is the 52nd');
    check(await page.locator('li.message').count() < 52, 'still only the rows in view');
    await page.locator('.scroller').evaluate((s) => { s.scrollTop = 0; });
    await second.waitFor();
    await step('more');

    try {
      await mailActions(page, second);
      await compose(page);
    } catch (e) {
      // What the page shows says more than the locator that timed out.
      const shown = await page.locator('.reading').innerText().catch(() => '?');
      await screenshot(page, 'failed');
      throw new Error(`${e.message}\nthe reading pane: ${shown}\n${problems.join('; ')}`);
    }

    // Keyboard: the list takes focus; Arrow keys open messages.
    await page.locator('ul.messages').focus();
    await page.keyboard.press('ArrowDown');
    await page.locator('.reading h2.subject').waitFor();
    // s flags and unflags the open message; r opens a reply, closed again.
    await page.keyboard.press('s');
    await page.getByRole('button', { name: 'Unflag' }).waitFor();
    await page.locator('ul.messages').focus();
    await page.keyboard.press('s');
    await page.getByRole('button', { name: 'Flag', exact: true }).waitFor();
    await page.locator('ul.messages').focus();
    await page.keyboard.press('r');
    await page.getByRole('form', { name: 'New message' }).getByRole('button', { name: 'Close' }).click();

    // Logout: the form again, and the old cookie no longer opens JMAP.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const after = await context.request.get(`${url}/jmap/session`, {
      headers: { Cookie: `${cookie.name}=${cookie.value}` },
      failOnStatusCode: false,
    });
    check(after.status() === 401, `JMAP with the old cookie: ${after.status()}`);
    const reload = await context.newPage();
    await reload.goto(url);
    await reload.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'logged-out');
    check(problems.length === 0, `no page errors: ${problems.join('; ')}`);
    await step('logged-out');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
