// The web client's calendar end to end in Debian's headless Chromium, driven by playwright-core:
// each view (day, work week, week, month, agenda; screenshots of each), the view kept across a
// reload, an event dragged to another day and time and then resized by its bottom edge, then
// moved and resized by Alt and the arrow keys, a
// weekly event made with a repeat rule, one occurrence moved (this one) and then the series
// renamed (all), and a colleague's shared calendar beside one's own, read only. Run by
// interop/test_web_calendar.py, which checks over CalDAV what the page did: this script prints
// a step's name (and what the test needs to check it) and waits for `ok` on stdin.
//
//   RELAIS_URL=https://127.0.0.1:PORT RELAIS_USER=… RELAIS_PASSWORD=… NODE_PATH=…/node_modules \
//   node interop/web/calendar.cjs
//
// The browser runs in Europe/Berlin. Screenshots go to RELAIS_SCREENSHOTS when it is set.

'use strict';

const { browse, step, check, screenshot } = require('./steps.cjs');

const VIEWS = [['Day', 'day'], ['Work week', 'workweek'], ['Week', 'week'], ['Month', 'month'], ['Agenda', 'agenda']];

/** The view's event buttons titled `title`. */
function events(page, title) {
  return page.locator('button.event', { has: page.locator('.event-title', { hasText: title }) });
}

/** A date (YYYY-MM-DD) `n` days after `day`. */
function plus(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Every view in turn, each checked and screenshot. */
async function eachView(page) {
  for (const [name, mode] of VIEWS) {
    const button = page.getByRole('button', { name, exact: true });
    await button.click();
    await page.locator(`.cal-grid[data-view="${mode}"]`).waitFor();
    check(await button.getAttribute('aria-pressed') === 'true', `${name} pressed`);
    const columns = await page.locator('.day-column').count();
    const want = { day: 1, workweek: 5, week: 7, month: 0, agenda: 0 }[mode];
    check(columns === want, `${name}: ${columns} day columns, not ${want}`);
    await screenshot(page, `calendar-${mode}`);
  }
}

/** Every view in turn; the last chosen kept across a reload. */
async function views(page) {
  await eachView(page);
  await page.reload();
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.locator('.cal-grid[data-view="agenda"]').waitFor();
  check(await page.getByRole('button', { name: 'Agenda', exact: true }).getAttribute('aria-pressed') === 'true',
    'the agenda kept across a reload');
  await page.getByRole('button', { name: 'Week', exact: true }).click();
  await page.locator('.cal-grid[data-view="week"]').waitFor();
  await step('views-shown');
}

/** The box of a locator once it is laid out (a push may draw the view again meanwhile). */
async function boxOf(locator) {
  for (let i = 0; i < 50; i += 1) {
    await locator.waitFor();
    const box = await locator.boundingBox();
    if (box) {
      return box;
    }
  }
  throw new Error(`no box for ${locator}`);
}

/** Drags from the middle of `from` (a locator) by `dx`, `dy` pixels, in steps. */
async function drag(page, from, dx, dy, y = null) {
  const box = await boxOf(from);
  const x0 = box.x + box.width / 2;
  const y0 = y ?? box.y + box.height / 2;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x0 + dx / 2, y0 + dy / 2, { steps: 5 });
  await page.mouse.move(x0 + dx, y0 + dy, { steps: 5 });
  await page.mouse.up();
}

/**
 * An event made at 10:00 on the week's first day (Sunday in the browser's en-US), dragged to
 * the next day at 12:00, its end dragged to 13:30.
 */
async function dragAndResize(page) {
  const first = page.locator('.day-column').first();
  const [width, height] = await first.evaluate((el) => [el.clientWidth, el.clientHeight]);
  await first.click({ position: { x: width / 2, y: height * 10.25 / 24 } });
  const day = (await page.getByLabel('Start', { exact: true }).inputValue()).slice(0, 10);
  await page.getByLabel('Title', { exact: true }).fill('Drag me');
  await page.getByRole('button', { name: 'Save' }).click();
  const chip = events(page, 'Drag me');
  await chip.waitFor();
  await step('drag-created', day);

  const hour = height / 24;
  const next = await boxOf(page.locator('.day-column').nth(1));
  const box = await boxOf(chip);
  // Two hours down (and a few pixels, which snapping takes away), one column right.
  await drag(page, chip, next.x + next.width / 2 - (box.x + box.width / 2), 2 * hour + 4);
  await page.locator('.day-column').nth(1).locator('button.event', { hasText: 'Drag me' }).waitFor();
  await step('dragged', plus(day, 1));

  const moved = events(page, 'Drag me');
  const edge = await boxOf(moved);
  // The bottom edge half an hour down.
  await drag(page, moved.locator('.resize'), 0, hour / 2, edge.y + edge.height - 2);
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('button.event')].find((e) => e.textContent.includes('Drag me'));
    return el && /(13|01):30/.test(el.getAttribute('aria-label') || '');
  });
  await screenshot(page, 'calendar-dragged');
  await step('resized', plus(day, 1));

  // The keyboard's way: Alt+Down twice (30 minutes later), Alt+Shift+Up (its end 15 minutes sooner).
  await events(page, 'Drag me').focus();
  await page.keyboard.press('Alt+ArrowDown');
  await page.waitForFunction(() => /(12|00):15/.test(document.activeElement?.getAttribute('aria-label') || ''));
  await page.keyboard.press('Alt+ArrowDown');
  await page.waitForFunction(() => /(12|00):30/.test(document.activeElement?.getAttribute('aria-label') || ''));
  await page.keyboard.press('Alt+Shift+ArrowUp');
  await page.waitForFunction(() => /(13|01):45/.test(document.activeElement?.getAttribute('aria-label') || ''));
  await step('moved-by-keyboard', plus(day, 1));
  return day;
}

/**
 * A weekly event on the week's Wednesday 09:00, four times; the second moved to 11:00 (this one);
 * all renamed; the third deleted (this one).
 */
async function recurring(page, first) {
  const wednesday = plus(first, (3 - new Date(`${first}T12:00:00Z`).getUTCDay() + 7) % 7);
  await page.getByRole('button', { name: 'New event' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Weekly sync');
  await page.getByLabel('Start', { exact: true }).fill(`${wednesday}T09:00`);
  await page.getByLabel('End', { exact: true }).fill(`${wednesday}T09:30`);
  await page.getByLabel('Repeat', { exact: true }).selectOption('weekly');
  check(await page.getByRole('checkbox', { name: 'Wed', exact: true }).isChecked(), 'weekly on the start’s day');
  await page.getByLabel('Ends', { exact: true }).selectOption('count');
  await page.getByLabel('Times', { exact: true }).fill('4');
  await screenshot(page, 'calendar-repeat-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await events(page, 'Weekly sync').waitFor();
  await step('weekly-created', wednesday);

  const next = plus(wednesday, 7);
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await events(page, 'Weekly sync').click();
  check(await page.getByLabel('Repeat', { exact: true }).inputValue() === 'weekly', 'the form shows the rule');
  await page.getByLabel('Start', { exact: true }).fill(`${next}T11:00`);
  await page.getByLabel('End', { exact: true }).fill(`${next}T11:30`);
  await page.getByRole('button', { name: 'Save' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await screenshot(page, 'calendar-scope');
  await dialog.getByRole('button', { name: 'This occurrence' }).click();
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('button.event')].find((e) => e.textContent.includes('Weekly sync'));
    return el && /11:00/.test(el.getAttribute('aria-label') || '');
  });
  await step('occurrence-moved', next);

  await events(page, 'Weekly sync').click();
  await page.getByLabel('Title', { exact: true }).fill('Weekly sync (all)');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'All occurrences' }).click();
  await events(page, 'Weekly sync (all)').waitFor();
  check(await events(page, 'Weekly sync (all)').count() === 1, 'one occurrence this week, renamed');
  await page.getByRole('button', { name: 'Previous', exact: true }).click();
  await events(page, 'Weekly sync (all)').waitFor();
  await step('all-renamed', next);

  // One occurrence deleted (this one): the week after next has none, the series goes on.
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await events(page, 'Weekly sync (all)').click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'This occurrence' }).click();
  await events(page, 'Weekly sync (all)').waitFor({ state: 'detached' });
  await step('occurrence-deleted', plus(wednesday, 14));
}

/** Bob's calendar, shared with Ann (read only), beside hers after a reload. */
async function shared(page) {
  await page.reload();
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByRole('button', { name: 'Agenda', exact: true }).click();
  await page.locator('.cal-grid[data-view="agenda"]').waitFor();
  const section = page.getByRole('region', { name: /^Shared by bob@/ });
  await section.waitFor();
  check(await section.getByRole('checkbox').count() === 1, 'Bob’s one calendar listed');
  const chip = events(page, 'Bob’s planning');
  await chip.waitFor();
  check(!(await chip.getAttribute('class')).includes('movable'), 'a read-only event cannot be dragged');
  await screenshot(page, 'calendar-shared');
  await chip.click();
  await page.getByText('You may only read this calendar.').waitFor();
  check(await page.getByRole('button', { name: 'Save' }).count() === 0, 'no Save on a read-only event');
  check(await page.getByLabel('Title', { exact: true }).isDisabled(), 'its fields are read only');
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await step('shared-shown');
}

browse(async (page) => {
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByRole('button', { name: 'Week', exact: true }).waitFor();
  await views(page);
  const first = await dragAndResize(page);
  await recurring(page, first);
  await shared(page);
  // The views again, with the events in them, for the screenshots.
  await page.getByRole('button', { name: 'Today', exact: true }).click();
  await eachView(page);
});
