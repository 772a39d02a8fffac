// The web client's tasks end to end in Debian's headless Chromium, driven by playwright-core.
// Run by interop/test_web_tasks.py, which starts the server and checks over CalDAV what the page
// did: this script prints a step's name when the page has done it and waits for `ok` on stdin.
//
//   RELAIS_URL=https://127.0.0.1:PORT RELAIS_USER=… RELAIS_PASSWORD=… \
//   NODE_PATH=…/node_modules node interop/web/tasks.cjs
//
// The browser runs in Europe/Berlin. Screenshots go to RELAIS_SCREENSHOTS when it is set.

'use strict';

const { step, check, screenshot, browse } = require('./steps.cjs');

const TIMEOUT = 15000;

/** Waits until `condition()` holds (polled), failing with `what` after TIMEOUT. */
async function until(condition, what) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await condition())) {
    check(Date.now() < deadline, what);
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}

/** The task entries' titles, in the order shown. */
function titles(page) {
  return page.locator('.task-entry .task-title').allTextContents();
}

/** The entry of the task titled `title`. */
function entry(page, title) {
  return page.locator('.task-entry', { has: page.locator('.task-title', { hasText: title }) });
}

browse(async (page) => {
  // One nav entry, reached by the tab list's keys: Contacts, then Right.
  await page.getByRole('tab', { name: 'Contacts' }).click();
  await page.getByRole('tab', { name: 'Contacts' }).press('ArrowRight');
  check(await page.getByRole('tab', { name: 'Tasks' }).getAttribute('aria-selected') === 'true', 'the Tasks tab is chosen');
  await page.getByRole('button', { name: 'New task' }).waitFor();
  await page.getByRole('button', { name: 'Tasks', exact: true }).waitFor();

  // Created with a due date and time (Berlin), then one due later without a time.
  await page.getByRole('button', { name: 'New task' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Pay the invoice');
  await page.getByLabel('Due date', { exact: true }).fill('2030-03-14');
  await page.getByLabel('Due time', { exact: true }).fill('16:30');
  await page.getByLabel('Notes', { exact: true }).fill('number 4711');
  await page.getByRole('button', { name: 'Save' }).click();
  await entry(page, 'Pay the invoice').waitFor();
  await page.getByRole('button', { name: 'New task' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Plan the summer');
  await page.getByLabel('Due date', { exact: true }).fill('2030-06-01');
  await page.getByRole('button', { name: 'Save' }).click();
  await entry(page, 'Plan the summer').waitFor();
  await step('task-created');

  // A task PUT over CalDAV, due in the past: shown at once, first by due date, marked overdue.
  await until(async () => (await titles(page)).includes('Overdue report'), 'the CalDAV task is pushed');
  check(JSON.stringify(await titles(page)) === JSON.stringify(['Overdue report', 'Pay the invoice', 'Plan the summer']),
    `sorted by due: ${await titles(page)}`);
  check(await entry(page, 'Overdue report').evaluate((el) => el.classList.contains('overdue')), 'overdue marked');
  const overdue = await entry(page, 'Overdue report').locator('.task-due').textContent();
  check(overdue.startsWith('Overdue') && overdue.includes('10:00'), `overdue said in words, in Berlin time: ${overdue}`);
  check(!(await entry(page, 'Pay the invoice').evaluate((el) => el.classList.contains('overdue'))), 'a future task is not');
  await screenshot(page, 'tasks');
  await step('task-pushed');

  // Done: the check box; it goes last, struck through; CalDAV reads it COMPLETED.
  await entry(page, 'Overdue report').getByRole('checkbox').check();
  await until(async () => (await entry(page, 'Overdue report').getAttribute('class')).includes('done'), 'marked done');
  check((await titles(page)).at(-1) === 'Overdue report', `done ones last: ${await titles(page)}`);
  await step('task-done');
  await entry(page, 'Overdue report').getByRole('checkbox').uncheck();
  await until(async () => !(await entry(page, 'Overdue report').getAttribute('class')).includes('done'), 'marked not done');
  await step('task-undone');

  // Edited: renamed and moved to another day.
  await entry(page, 'Pay the invoice').locator('.task-title').click();
  check(await page.getByLabel('Due time', { exact: true }).inputValue() === '16:30', 'the form shows the due time');
  await page.getByLabel('Title', { exact: true }).fill('Pay the invoice (urgent)');
  await page.getByLabel('Due date', { exact: true }).fill('2030-03-10');
  await screenshot(page, 'task-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await entry(page, 'Pay the invoice (urgent)').waitFor();
  await step('task-edited');

  // Deleted from its form.
  await entry(page, 'Plan the summer').locator('.task-title').click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await until(async () => !(await titles(page)).includes('Plan the summer'), 'the task is gone');
  await step('task-deleted');
});
