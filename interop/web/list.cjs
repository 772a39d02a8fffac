// The message list at scale in Debian's headless Chromium, driven by playwright-core (issue 16):
// a folder of a few hundred messages drawn a screenful at a time, scrolled to its end; new mail
// arriving while scrolled down, the rows in view staying; threads on (kept over a reload) with
// a conversation's size and its messages in the reading pane; ctrl and shift click and a bulk
// move; a row dragged onto a folder; keyboard shortcuts (never while typing) and their help.
// Run by interop/test_web_list.py, which fills the folder and checks over IMAP what the page did.
//
// Environment: RELAIS_URL, RELAIS_USER / RELAIS_PASSWORD, RELAIS_COUNT (the messages named
// "List 000"… newest first, below a thread "Topic" of three), RELAIS_SCREENSHOTS.

'use strict';

const { step, check, screenshot, browse } = require('./steps.cjs');

const COUNT = Number(process.env.RELAIS_COUNT);
const name = (/** @type {number} */ n) => `List ${String(n).padStart(3, '0')}`;

function message(page, subject) {
  return page.locator('li.message', { has: page.locator('.subject', { hasText: new RegExp(`^${subject}$`) }) });
}

/** The subjects of the rows wholly in view, top to bottom. */
async function inView(page) {
  return page.locator('.scroller').evaluate((scroller) => {
    const box = scroller.getBoundingClientRect();
    return [...scroller.querySelectorAll('li.message')]
      .filter((li) => { const r = li.getBoundingClientRect(); return r.top >= box.top && r.bottom <= box.bottom; })
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((li) => li.querySelector('.subject')?.textContent ?? '');
  });
}

async function scrolling(page) {
  const total = COUNT + 3;
  await message(page, name(0)).waitFor();
  const list = page.getByRole('listbox', { name: 'Messages' });
  check(await list.getAttribute('aria-multiselectable') === 'true', 'a multi-select listbox');
  const drawn = await page.locator('li.message').count();
  check(drawn > 5 && drawn < 60, `a screenful of rows drawn, not ${total}: ${drawn}`);
  check(await message(page, name(0)).getAttribute('aria-setsize') === String(total), 'each row knows the size');
  await page.locator('.scroller').evaluate((s) => { s.scrollTop = s.scrollHeight; });
  const last = message(page, name(COUNT - 1));
  await last.waitFor();
  check(await last.getAttribute('aria-posinset') === String(total), 'the oldest is the last');
  check(await page.locator('li.message').count() < 60, 'at the end, still a screenful');
  await screenshot(page, 'list-end');
  await step('scrolled');

  // Halfway down, new mail comes: the rows in view stay in view.
  await page.locator('.scroller').evaluate((s) => { s.scrollTop = 100 * 64; });
  await message(page, name(100)).waitFor();
  await page.waitForFunction(() => !document.querySelector('li.message.loading'));
  const before = await inView(page);
  await step('halfway', ...before.slice(0, 1).map((s) => s.replace(/ /g, '_')));
  await page.locator(`li.message[aria-setsize="${total + 1}"]`).first().waitFor();
  await page.waitForFunction(() => !document.querySelector('li.message.loading'));
  const after = await inView(page);
  check(after[0] === before[0], `the rows in view stay: ${before[0]} then ${after[0]}`);
  await page.locator('.scroller').evaluate((s) => { s.scrollTop = 0; });
  await message(page, 'Pushed while scrolled').waitFor();
  await step('pushed');
}

async function threads(page) {
  const toggle = page.getByLabel('Conversations');
  check(!(await toggle.isChecked()), 'threads off at first');
  await toggle.check();
  const topic = page.locator('li.message', { has: page.locator('.thread-size', { hasText: /^3$/ }) });
  await topic.waitFor();
  check(await topic.getAttribute('aria-setsize') === String(COUNT + 2), 'three messages, one row');
  // Kept over a reload.
  await page.reload();
  await page.getByRole('tab', { name: 'Mail' }).waitFor();
  check(await page.getByLabel('Conversations').isChecked(), 'the choice is kept');
  await topic.click();
  const thread = page.getByRole('navigation', { name: 'Conversation (3 messages)' });
  await thread.waitFor();
  check(await thread.getByRole('button').count() === 3, 'the conversation lists its three messages');
  await thread.getByRole('button').first().click();
  await page.locator('.reading h2.subject', { hasText: /^Topic$/ }).waitFor();
  await screenshot(page, 'threads');
  await page.getByLabel('Conversations').uncheck();
  await message(page, name(0)).waitFor();
  await step('threads');
}

async function selecting(page) {
  await message(page, name(0)).click();
  await page.locator('.reading h2.subject', { hasText: name(0) }).waitFor();
  await message(page, name(1)).click({ modifiers: ['Control'] });
  await message(page, name(4)).click({ modifiers: ['Shift'] });
  await page.getByRole('status').filter({ hasText: '5 selected' }).waitFor();
  for (const n of [0, 1, 2, 3, 4]) {
    check(await message(page, name(n)).getAttribute('aria-selected') === 'true', `${name(n)} selected`);
  }
  await screenshot(page, 'selected');
  await page.getByRole('toolbar', { name: 'Selected messages' }).getByLabel('Move to…').selectOption({ label: 'Archive' });
  await message(page, name(4)).waitFor({ state: 'detached' });
  await page.getByText('5 moved to Archive.').waitFor();
  await step('bulk-moved');

  // A row dragged onto a folder moves there.
  const archive = page.locator('button.folder[data-role="archive"]');
  await message(page, name(5)).dragTo(archive);
  await message(page, name(5)).waitFor({ state: 'detached' });
  await step('dragged');

  // Select all in view, then Escape: none.
  await page.getByLabel('Select all in view').check();
  await page.getByRole('status').filter({ hasText: / selected$/ }).waitFor();
  await page.locator('body').press('Escape');
  check(await page.locator('li.message[aria-selected="true"]').count() === 0, 'Escape clears the selection');
}

async function shortcuts(page) {
  // Typed into the search field, j is a letter.
  await page.getByRole('searchbox').fill('');
  await page.getByRole('searchbox').press('j');
  check(await page.getByRole('searchbox').inputValue() === 'j', 'typing is typing');
  check(await page.locator('.reading h2.subject').count() === 0, 'no message opened by typing');
  await page.getByRole('searchbox').fill('');
  await message(page, name(6)).click();
  await page.locator('.reading h2.subject', { hasText: name(6) }).waitFor();
  await page.locator('ul.messages').focus();
  await page.keyboard.press('j');
  await page.locator('.reading h2.subject', { hasText: name(7) }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.locator('.reading h2.subject', { hasText: name(8) }).waitFor();
  await page.keyboard.press('k');
  await page.locator('.reading h2.subject', { hasText: name(7) }).waitFor();
  check(await message(page, name(7)).getAttribute('aria-selected') === 'true', 'the open message is selected');
  await page.keyboard.press('s');
  await page.getByRole('button', { name: 'Unflag' }).waitFor();
  await page.locator('ul.messages').focus();
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  check((await help.innerText()).includes('Reply all'), 'the help lists the shortcuts');
  await screenshot(page, 'shortcuts');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  await step('shortcuts', name(7).replace(' ', '_'));
}

browse(async (page) => {
  await scrolling(page);
  await threads(page);
  await selecting(page);
  await shortcuts(page);
});
