// Junk and the folder tree in Debian's headless Chromium, driven by playwright-core. Run by
// interop/test_web_junk.py, which starts the server, delivers the messages and makes the folders
// over IMAP, and checks over IMAP what the page did: this script prints a step's name when the
// page has done it and waits for `ok` on stdin. Screenshots go to RELAIS_SCREENSHOTS when set.

'use strict';

const { step, check, screenshot, browse } = require('./steps.cjs');

/** The row of the message whose subject is `subject`. */
function row(page, subject) {
  return page.getByRole('option').filter({ hasText: subject });
}

browse(async (page) => {
  // The folder tree: a subfolder drawn after its parent, indented, and named with it.
  const named = (/** @type {string} */ name) => page.locator('.folder')
    .filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });
  const projects = named('Projects');
  const sub = named('2026');
  await sub.waitFor();
  const order = await page.locator('.folder .name').allTextContents();
  check(order.indexOf('2026') === order.indexOf('Projects') + 1, `the subfolder follows its parent: ${order}`);
  check(await sub.getAttribute('data-depth') === '1' && await projects.getAttribute('data-depth') === '0', 'depths');
  // Both measured in one evaluation: the list may be drawn again between two of them, and a
  // replaced (detached) element measures 0 (CI once saw "indented: 0 > 0").
  const [left, subLeft] = await page.evaluate(() => ['Projects', '2026'].map((name) => {
    const el = [...document.querySelectorAll('.folder .name')].find((n) => n.textContent?.trim() === name);
    return el ? el.getBoundingClientRect().left : Number.NaN;
  }));
  check(subLeft > left, `indented: ${subLeft} > ${left}`);
  check((await sub.textContent()).includes('in Projects'), 'the subfolder is named with its parent for a screen reader');
  await screenshot(page, 'folder-tree');
  await step('tree');

  // Junk from the reading pane: to the Junk folder, with $junk.
  await row(page, 'Cheap watches').click();
  await page.locator('.actions').getByRole('button', { name: 'Junk', exact: true }).click();
  await row(page, 'Cheap watches').waitFor({ state: 'detached' });
  await step('junked');

  // Two at once from the list's selection.
  await row(page, 'Lottery win').click();
  await row(page, 'Prize claim').click({ modifiers: ['Control'] });
  await page.locator('.bulk').getByRole('button', { name: 'Junk', exact: true }).click();
  await row(page, 'Prize claim').waitFor({ state: 'detached' });
  check(await row(page, 'Lunch on Friday').count() === 1, 'the other message stays');
  await step('junked-many');

  // In Junk: not junk sends one back to the Inbox with $notjunk.
  await page.locator('.folder[data-role="junk"]').click();
  await row(page, 'Cheap watches').click();
  await page.locator('.actions').getByRole('button', { name: 'Not junk', exact: true }).click();
  await row(page, 'Cheap watches').waitFor({ state: 'detached' });
  await screenshot(page, 'junk');
  await step('not-junk');
});
