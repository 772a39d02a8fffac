// The web client's calendar, contacts and out-of-office setting end to end in Debian's headless Chromium, driven by
// playwright-core. Run by interop/test_web_groupware.py, which starts the server and checks over
// CalDAV and CardDAV what the page did: this script prints a step's name (and what the test needs
// to check it) when the page has done it and waits for `ok` on stdin before going on.
//
//   RELAIS_URL=https://127.0.0.1:PORT RELAIS_USER=… RELAIS_PASSWORD=… \
//   RELAIS_COLLEAGUE=… RELAIS_COLLEAGUE_PASSWORD=… NODE_PATH=…/node_modules node interop/web/groupware.cjs
//
// The browser runs in Europe/Berlin (the page shows and writes times in the browser's zone). The
// colleague (a second browser context) answers the user's meeting.
// Screenshots go to RELAIS_SCREENSHOTS when it is set.

'use strict';

const { chromium } = require('playwright-core');
const { step, check, screenshot, signedInPage } = require('./steps.cjs');

const user = process.env.RELAIS_USER;
const password = process.env.RELAIS_PASSWORD;
const colleague = process.env.RELAIS_COLLEAGUE;
const colleaguePassword = process.env.RELAIS_COLLEAGUE_PASSWORD;
const TIMEOUT = 15000;

/** Waits until `condition()` holds (polled), failing with `what` after TIMEOUT. */
async function until(condition, what) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await condition())) {
    check(Date.now() < deadline, what);
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

/** The view's event buttons titled `title`. */
function events(page, title) {
  return page.locator('button.event', { has: page.locator('.event-title', { hasText: title }) });
}

/** Create from an empty slot (10:00 on the week's Monday), edit, see a CalDAV PUT pushed, delete. */
async function calendar(page) {
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByRole('button', { name: 'Week', exact: true }).waitFor();
  const monday = page.locator('.day-column').first();
  await monday.waitFor();
  const [width, height] = await monday.evaluate((el) => [el.clientWidth, el.clientHeight]);
  await monday.click({ position: { x: width / 2, y: height * 10.25 / 24 } });
  const start = page.getByLabel('Start', { exact: true });
  const prefilled = await start.inputValue();
  check(prefilled.endsWith('T10:00'), `the empty slot pre-fills 10:00: ${prefilled} (${width}x${height})`);
  const day = prefilled.slice(0, 10);
  await page.getByLabel('Title', { exact: true }).fill('Design review');
  await page.getByLabel('End', { exact: true }).fill(`${day}T11:30`);
  await page.getByLabel('Location', { exact: true }).fill('Room 4');
  await page.getByLabel('Description', { exact: true }).fill('The agenda.');
  await page.getByRole('button', { name: 'Save' }).click();
  await events(page, 'Design review').waitFor();
  await screenshot(page, 'calendar-week');
  await step('event-created', day);

  // A daily event PUT over CalDAV (three days from Monday) appears without reload.
  await events(page, 'Pushed standup').nth(2).waitFor();
  check(await events(page, 'Pushed standup').count() === 3, 'three occurrences of the daily event');
  await step('event-pushed');

  await events(page, 'Design review').click();
  await page.getByLabel('Title', { exact: true }).fill('Design review (moved)');
  await page.getByLabel('Start', { exact: true }).fill(`${day}T14:00`);
  await page.getByLabel('End', { exact: true }).fill(`${day}T15:00`);
  await page.getByRole('button', { name: 'Save' }).click();
  await events(page, 'Design review (moved)').waitFor();
  await step('event-edited', day);

  // The month view, and a calendar hidden and shown again by its toggle.
  await page.getByRole('button', { name: 'Month', exact: true }).click();
  await page.locator('.cal-grid.month').waitFor();
  await events(page, 'Design review (moved)').waitFor();
  await screenshot(page, 'calendar-month');
  const toggle = page.getByRole('checkbox', { name: 'Calendar' });
  await toggle.uncheck();
  check(await events(page, 'Design review').count() === 0, 'a hidden calendar shows no event');
  await toggle.check();
  await events(page, 'Design review (moved)').waitFor();
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByRole('button', { name: 'Today', exact: true }).click();
  await page.getByRole('button', { name: 'Week', exact: true }).click();

  await events(page, 'Design review (moved)').click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await events(page, 'Design review').first().waitFor({ state: 'detached' });
  await step('event-deleted');
  return day;
}

/** Create a card, see one PUT over CardDAV pushed, search, delete. */
async function contacts(page) {
  const tab = page.getByRole('tab', { name: 'Contacts' });
  await tab.focus();
  await page.keyboard.press('ArrowRight');
  check(await tab.getAttribute('aria-selected') === 'true', 'the arrow key moves to Contacts');
  await page.getByRole('button', { name: 'New contact' }).click();
  await page.getByLabel('Given name', { exact: true }).fill('Ada');
  await page.getByLabel('Surname', { exact: true }).fill('Lovelace');
  await page.getByLabel('Email addresses', { exact: true }).fill('ada@analytical.example');
  await page.getByLabel('Phone numbers', { exact: true }).fill('+44 20 7946 0000');
  await page.getByLabel('Organization', { exact: true }).fill('Analytical Engines');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('h2.card-title', { hasText: 'Ada Lovelace' }).waitFor();
  await screenshot(page, 'contact');
  await step('contact-created');

  await page.locator('li.card-entry', { hasText: 'Grace Hopper' }).waitFor();
  await step('contact-pushed');

  const search = page.getByRole('searchbox', { name: 'Search contacts' });
  await search.fill('lovelace');
  await search.press('Enter');
  await page.locator('.status', { hasText: '1 found' }).waitFor();
  check(await page.locator('li.card-entry').count() === 1, 'the search finds Ada alone');
  await step('contact-searched');

  await page.locator('li.card-entry', { hasText: 'Ada Lovelace' }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.locator('li.card-entry', { hasText: 'Ada Lovelace' }).waitFor({ state: 'detached' });
  await step('contact-deleted');
}

/** A local date `days` from today in the browser's zone, as YYYY-MM-DD. */
function localDay(page, days) {
  return page.evaluate((n) => {
    const d = new Date();
    d.setDate(d.getDate() + n);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }, days);
}

/** The out-of-office reply turned on (from yesterday 09:00 to next week 18:00 local), kept by a reload, then off. */
async function settings(page) {
  const tab = page.getByRole('tab', { name: 'Settings' });
  await page.getByRole('tab', { name: 'Contacts' }).focus();
  await page.keyboard.press('End');
  check(await tab.getAttribute('aria-selected') === 'true', 'End moves to Settings');
  const on = page.getByLabel('Send an automatic reply', { exact: true });
  // Its own Save: Settings has other forms (name and signature, language) with theirs.
  const oof = page.getByRole('form', { name: 'Out of office' });
  await on.waitFor();
  check(!(await on.isChecked()), 'the reply starts off');
  const [from, until] = [`${await localDay(page, -1)}T09:00`, `${await localDay(page, 7)}T18:00`];
  await on.check();
  await page.getByLabel('From', { exact: true }).fill(from);
  await page.getByLabel('Until', { exact: true }).fill(until);
  await page.getByLabel(/^Subject/).fill('Away this week');
  await page.getByLabel('Reply text', { exact: true }).fill('Back on Monday.');
  // An end before the start is refused in the form.
  await page.getByLabel('Until', { exact: true }).fill(`${await localDay(page, -2)}T09:00`);
  await oof.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'The end must be after the start.' }).waitFor();
  await page.getByLabel('Until', { exact: true }).fill(until);
  await oof.getByRole('button', { name: 'Save' }).press('Enter');
  await page.getByRole('status').filter({ hasText: 'the automatic reply is on' }).waitFor();
  await screenshot(page, 'settings');
  await step('vacation-on', from, until);

  await page.reload();
  await page.getByRole('tab', { name: 'Settings' }).click();
  await on.waitFor();
  check(await on.isChecked(), 'the reply is on after a reload');
  check(await page.getByLabel('From', { exact: true }).inputValue() === from, 'the start kept');
  check(await page.getByLabel('Until', { exact: true }).inputValue() === until, 'the end kept');
  check(await page.getByLabel(/^Subject/).inputValue() === 'Away this week', 'the subject kept');
  check(await page.getByLabel('Reply text', { exact: true }).inputValue() === 'Back on Monday.', 'the text kept');
  await on.uncheck();
  await oof.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'the automatic reply is off' }).waitFor();
  await step('vacation-off');
}

/** A new browser context (in Europe/Berlin) signed in as `who` (steps.cjs's `signedInPage`). */
function signIn(browser, who, secret) {
  return signedInPage(browser, who, secret, { timeout: TIMEOUT });
}

/** Compose completes the colleague's address from the global address list (Escape, Down, Enter). */
async function completion(page) {
  await page.getByRole('tab', { name: 'Mail' }).click();
  await page.getByRole('button', { name: 'New message' }).click();
  const to = page.getByRole('combobox', { name: 'To', exact: true });
  await to.pressSequentially('bob', { delay: 20 });
  const suggestions = page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');
  await suggestions.filter({ hasText: 'Bob Example' }).waitFor();
  check(await to.getAttribute('aria-expanded') === 'true', 'the combobox says its list is open');
  await screenshot(page, 'compose-completion');
  // The room board@ matches "bo" too, but not "bob": once the last keystroke is answered, one entry.
  await until(async () => await suggestions.count() === 1, 'one person matches "bob"');
  // Escape closes the list (and leaves the form alone); Down opens it again; Enter chooses.
  await to.press('Escape');
  check(await to.getAttribute('aria-expanded') === 'false', 'Escape closed the list');
  check(await page.getByRole('form', { name: 'New message' }).isVisible(), 'the form stays');
  await to.press('ArrowDown');
  await suggestions.filter({ hasText: 'Bob Example' }).waitFor();
  check(await to.getAttribute('aria-activedescendant') === await suggestions.first().getAttribute('id'),
    'the entry is the active descendant');
  await to.press('Enter');
  const value = await to.inputValue();
  check(value === `Bob Example <${colleague}>, `, `the address completed: ${JSON.stringify(value)}`);
  check(await to.getAttribute('aria-expanded') === 'false', 'the list closed');
  await page.getByRole('button', { name: 'Discard' }).click();
}

/**
 * The user invites the colleague and the room to a meeting on `day` 11:00–12:00, with the
 * scheduling assistant shown; the room answers at once.
 */
async function meeting(page, day) {
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByRole('button', { name: 'New event' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Budget review');
  await page.getByLabel('Start', { exact: true }).fill(`${day}T11:00`);
  await page.getByLabel('End', { exact: true }).fill(`${day}T12:00`);
  const invite = page.getByRole('combobox', { name: 'Invite people and rooms' });
  await invite.pressSequentially('bob', { delay: 20 });
  const suggestions = page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');
  await suggestions.filter({ hasText: 'Bob Example' }).click();
  await invite.pressSequentially('board', { delay: 20 });
  await suggestions.filter({ hasText: 'Board room' }).waitFor();
  await invite.press('Enter');
  await page.locator('li.attendee', { hasText: 'Board room' }).waitFor();
  await page.getByRole('combobox', { name: /Role of Bob Example/ }).waitFor();
  // The scheduling assistant: the user is busy once that day (the pushed standup), the others free.
  await page.getByRole('button', { name: 'Show availability' }).click();
  const row = (who) => page.locator('.availability [role="img"]', { hasText: who });
  await row('Board room').waitFor();
  check(/busy once/.test(await row('Ann Example').getAttribute('aria-label')), 'the user is busy once that day');
  check(/free/.test(await row('Bob Example').getAttribute('aria-label')), 'the colleague is free');
  check(await row('Ann Example').locator('.av-busy').count() === 1, 'one busy block drawn');
  await screenshot(page, 'meeting-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await events(page, 'Budget review').waitFor();
  await step('meeting-created', day);
}

/**
 * The colleague sees the invitation in the calendar and answers tentative there, then sees it in
 * the mail and accepts it from there.
 */
async function answer(browser) {
  const { context, page, errors } = await signIn(browser, colleague, colleaguePassword);

  await page.getByRole('tab', { name: 'Calendar' }).click();
  await events(page, 'Budget review').click();
  await page.locator('.answers li', { hasText: 'Bob Example' }).filter({ hasText: 'Not answered yet' }).waitFor();
  await page.locator('.answers li', { hasText: 'Ann Example' }).filter({ hasText: 'Organizer' }).waitFor();
  check(await page.getByRole('button', { name: 'Accept' }).getAttribute('aria-pressed') === 'false', 'not answered yet');
  // Answered from the calendar first: tentative.
  await page.getByRole('button', { name: 'Tentative' }).click();
  await page.getByRole('status').filter({ hasText: 'Your answer: Tentative' }).waitFor();
  await step('meeting-tentative');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('tab', { name: 'Mail' }).click();
  await page.locator('li.message', { hasText: 'Invitation: Budget review' }).click();
  const invitation = page.getByRole('region', { name: 'Invitation' });
  await invitation.getByText('Budget review', { exact: true }).waitFor();
  const when = await invitation.locator('.invitation-time').textContent();
  check(when.includes('11:00') && when.includes('12:00'), `the meeting's time in the colleague's zone: ${when}`);
  check(await invitation.getByRole('button', { name: 'Tentative' }).getAttribute('aria-pressed') === 'true',
    'the mail shows the answer given in the calendar');
  await invitation.getByRole('button', { name: 'Accept' }).click();
  await invitation.getByRole('status').filter({ hasText: 'Your answer: Accepted' }).waitFor();
  check(await invitation.getByRole('button', { name: 'Accept' }).getAttribute('aria-pressed') === 'true', 'Accept pressed');
  await screenshot(page, 'invitation');
  check(errors.length === 0, `no error in the colleague's page: ${errors.join('; ')}`);
  await context.close();
  await step('meeting-accepted');
}

/** The organizer's event shows the colleague's and the room's answers. */
async function answers(page) {
  await events(page, 'Budget review').click();
  const answered = (who, what) => page.locator('.answers li', { hasText: who }).filter({ hasText: what });
  await answered('Bob Example', 'Accepted').waitFor();
  await answered('Board room', 'Accepted').waitFor();
  await answered('Ann Example', 'Organizer').waitFor();
  await screenshot(page, 'meeting');
  await page.getByRole('button', { name: 'Cancel' }).click();
}

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const { page, errors } = await signIn(browser, user, password);
    const day = await calendar(page);
    await contacts(page);
    await settings(page);
    await completion(page);
    await meeting(page, day);
    await answer(browser);
    await answers(page);
    check(errors.length === 0, `no error in the page: ${errors.join('; ')}`);
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
