// Moving events by whole days in Debian's headless Chromium, driven by playwright-core: an
// all-day event dragged along the week's all-day row and moved back by Alt+Left, and a timed
// event dragged to another day of the month. Run by interop/test_web_daydrag.py, which PUTs the
// events over CalDAV and checks what the page did there; each step's words are the day the event
// should now be on. Screenshots go to RELAIS_SCREENSHOTS when set.

'use strict';

const { browse, step, check, screenshot } = require('./steps.cjs');

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

/** Drags `chip` to the middle of `to` (a locator), in steps, and waits until the view is drawn
 * again from what was saved (the dragged button replaced). */
async function dragTo(page, chip, to) {
  const before = await chip.elementHandle();
  const from = await chip.boundingBox();
  const box = await to.boundingBox();
  check(from && box, 'laid out');
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move((from.x + box.x + box.width / 2) / 2, from.y + from.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((el) => !el.isConnected, before);
}

browse(async (page) => {
  const today = process.env.RELAIS_TODAY;
  await page.getByRole('tab', { name: 'Calendar' }).click();
  await page.getByRole('button', { name: 'Week', exact: true }).click();
  await page.locator('.cal-grid[data-view="week"]').waitFor();

  // The all-day event, today: dragged one day along the row (left on the week's last day).
  const rows = page.locator('ul.all-day');
  const chip = events(page, 'Offsite');
  await chip.waitFor();
  const at = await rows.evaluateAll((lists) => lists.findIndex((l) => l.querySelector('button.event')));
  const shift = at === 6 ? -1 : 1;
  await dragTo(page, chip, rows.nth(at + shift));
  await rows.nth(at + shift).locator('button.event', { hasText: 'Offsite' }).waitFor();
  await screenshot(page, 'allday-dragged');
  await step('allday-dragged', plus(today, shift));

  // Back by the keyboard: Alt and the arrow towards today.
  await events(page, 'Offsite').focus();
  const moved = await events(page, 'Offsite').elementHandle();
  await page.keyboard.press(shift === 1 ? 'Alt+ArrowLeft' : 'Alt+ArrowRight');
  await page.waitForFunction((el) => !el.isConnected, moved);
  await rows.nth(at).locator('button.event', { hasText: 'Offsite' }).waitFor();
  await step('allday-keyboard', today);

  // The month: the timed event dragged from today's cell to the cell a week later.
  await page.getByRole('button', { name: 'Month', exact: true }).click();
  await page.locator('.cal-grid[data-view="month"]').waitFor();
  const cells = page.locator('.month-day ul.day-events');
  const timed = events(page, 'Review');
  await timed.waitFor();
  const from = await cells.evaluateAll((lists) => lists.findIndex((l) => [...l.querySelectorAll('.event-title')]
    .some((e) => e.textContent.includes('Review'))));
  const to = from + 7 < 42 ? from + 7 : from - 7;
  await dragTo(page, timed, page.locator('.month-day').nth(to));
  await cells.nth(to).locator('button.event', { hasText: 'Review' }).waitFor();
  await screenshot(page, 'month-dragged');
  await step('month-dragged', plus(today, to - from));
});
