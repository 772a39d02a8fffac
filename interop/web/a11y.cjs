// Accessibility, themes and the phone layout in Debian's headless Chromium, driven by
// playwright-core (issue 16): axe-core (crates/web's pinned devDependency) is injected into
// every view — the login page, the message list, a message in the reading pane, compose, the
// calendar's week, month, day and agenda views, the event form, contacts, the directory,
// tasks and a task's form, settings — in four set-ups: a desktop-sized window with the system
// light and dark (the default theme follows prefers-color-scheme) and a phone-sized one
// (390×844, touch) light and dark. Any violation of impact "serious" or "critical" fails the
// run; every one of them is listed first. Each view is screenshotted in each set-up.
// Along the way: the dark theme's colours are on (and the message frame stays light), the
// theme is applied before the first frame, Settings' Theme overrides the system and is kept
// over a reload; on a phone one pane shows at a time, Back goes to the one before, targets are
// touch-sized, nothing scrolls sideways and the calendar opens in its agenda; in Contacts the
// Directory lists its people a page at a time and a colleague among them, a search finds them, "Add to my contacts" makes a card (checked
// by the test over CardDAV) and "Write to" opens compose to them.
// Run by interop/test_web_a11y.py, which seeds mail, an event and a card.
//
// Environment: RELAIS_URL, RELAIS_USER / RELAIS_PASSWORD, RELAIS_COLLEAGUE (an address in the
// directory) and RELAIS_COLLEAGUE_NAME, RELAIS_DIRECTORY_SIZE (how many it lists),
// RELAIS_SCREENSHOTS.

'use strict';

const fs = require('node:fs');
const { step, check, screenshot, signIn, signedInPage, browse } = require('./steps.cjs');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const COLLEAGUE = process.env.RELAIS_COLLEAGUE;
const COLLEAGUE_NAME = process.env.RELAIS_COLLEAGUE_NAME;
const SIZE = Number(process.env.RELAIS_DIRECTORY_SIZE);
const DESKTOP = { width: 1400, height: 1000 };
const PHONE = { width: 390, height: 844 };
const SETUPS = [
  { name: 'light', viewport: DESKTOP, colorScheme: 'light', phone: false },
  { name: 'dark', viewport: DESKTOP, colorScheme: 'dark', phone: false },
  { name: 'phone-light', viewport: PHONE, colorScheme: 'light', phone: true },
  { name: 'phone-dark', viewport: PHONE, colorScheme: 'dark', phone: true },
];
/** Every serious or critical violation found, as lines. */
const found = [];

/**
 * Runs axe-core on the page as it is (not inside the message frame: mail is not the app's, and
 * the frame runs no script), records serious and critical violations, and screenshots it.
 */
async function audit(page, setup, view) {
  await page.waitForFunction(() => !document.querySelector('li.message.loading'));
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    // Evaluated by the browser's debugging protocol: the page's script-src policy allows no
    // added script, and this is not the page's own.
    await page.evaluate(AXE);
  }
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`) }));
  });
  for (const v of violations) {
    const line = `${setup.name} ${view}: [${v.impact}] ${v.id} (${v.help}): ${v.nodes.join(' | ')}`;
    if (v.impact === 'serious' || v.impact === 'critical') {
      found.push(line);
    } else {
      console.error(`note: ${line}`);
    }
  }
  await screenshot(page, `${setup.name}-${view}`);
}

/** The pane a view shows now, on a phone (its root's data-pane). */
async function pane(page) {
  return page.locator('#view').getAttribute('data-pane');
}

/** On a phone, Back by the keyboard; at the first pane the focus is on it, not lost. */
async function back(page, setup, to) {
  if (setup.phone) {
    await page.getByRole('button', { name: 'Back', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.locator(`#view[data-pane="${to}"]`).waitFor();
    const focus = await page.evaluate(() => document.activeElement?.closest('[data-pane-name]')?.dataset.paneName
      ?? document.activeElement?.textContent);
    check(focus === 'Back' || focus === to, `the focus on Back or in the ${to} pane: ${focus}`);
  }
}

/** On a phone: one pane shown, the others not, and nothing wider than the screen. */
async function onePane(page, setup, shown) {
  if (!setup.phone) {
    return;
  }
  check(await pane(page) === shown, `${shown} pane shown: ${await pane(page)}`);
  const visible = await page.locator('#view > [data-pane-name]').evaluateAll((els) =>
    els.filter((el) => el.getBoundingClientRect().width > 0).map((el) => el.dataset.paneName));
  check(visible.length === 1 && visible[0] === shown, `only the ${shown} pane is visible: ${visible}`);
  const [wide, over] = await page.evaluate(() => [document.documentElement.scrollWidth - window.innerWidth,
    [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`)]);
  check(wide <= 0, `nothing scrolls sideways (${wide} px too wide: ${over.join(', ')})`);
}

/** The theme in force is the one expected: the root's data-theme and the page's background. */
async function themed(page, theme) {
  const [set, background] = await page.evaluate(() => [document.documentElement.dataset.theme,
    getComputedStyle(document.body).backgroundColor]);
  check(set === theme, `theme ${theme}: ${set}`);
  check((background === 'rgb(255, 255, 255)') === (theme === 'light'), `a ${theme} background: ${background}`);
}

async function mail(page, setup) {
  const row = page.locator('li.message', { hasText: 'Styled newsletter' });
  await row.waitFor();
  await onePane(page, setup, 'list');
  await audit(page, setup, 'mail-list');
  await row.click();
  await page.locator('.reading h2.subject', { hasText: 'Styled newsletter' }).waitFor();
  const frame = page.frameLocator('iframe.html-body');
  await frame.locator('p', { hasText: 'Readable on white' }).waitFor();
  // The message frame stays light in either theme: mail's HTML is made for white.
  const [scheme, text] = await frame.locator('p', { hasText: 'Readable on white' }).evaluate((p) =>
    [getComputedStyle(p.ownerDocument.documentElement).colorScheme, getComputedStyle(p).color]);
  const paper = await page.locator('iframe.html-body').evaluate((f) => getComputedStyle(f).backgroundColor);
  check(scheme === 'light' && text === 'rgb(0, 0, 0)' && paper === 'rgb(255, 255, 255)',
    `the frame is light: ${scheme}, ${text} on ${paper}`);
  await onePane(page, setup, 'detail');
  await audit(page, setup, 'message');
  // Compose, from the folders pane (on a phone: Back twice).
  await back(page, setup, 'list');
  await back(page, setup, 'nav');
  if (setup.phone) {
    await onePane(page, setup, 'nav');
    const height = await page.getByRole('button', { name: 'New message' }).evaluate((b) => b.getBoundingClientRect().height);
    check(height >= 44, `a touch-sized button: ${height}`);
  }
  await page.getByRole('button', { name: 'New message' }).click();
  await page.getByLabel('Subject', { exact: true }).waitFor();
  await onePane(page, setup, 'detail');
  await audit(page, setup, 'compose');
}

async function calendar(page, setup) {
  await page.getByRole('tab', { name: 'Calendar' }).click();
  const first = setup.phone ? 'agenda' : 'week';
  await page.locator(`button[data-mode="${first}"][aria-pressed="true"]`).waitFor();
  await page.locator('.event', { hasText: 'Design review' }).first().waitFor();
  await onePane(page, setup, 'list');
  for (const mode of setup.phone ? ['agenda', 'day', 'week', 'month'] : ['week', 'month', 'day', 'agenda']) {
    await page.locator(`button[data-mode="${mode}"]`).click();
    await page.locator(`button[data-mode="${mode}"][aria-pressed="true"]`).waitFor();
    await page.locator('.event', { hasText: 'Design review' }).first().waitFor();
    await audit(page, setup, `calendar-${mode}`);
  }
  await page.locator('.event', { hasText: 'Design review' }).first().click();
  await page.locator('form.event-form').waitFor();
  await onePane(page, setup, 'detail');
  await audit(page, setup, 'event-form');
  await page.locator('form.event-form').getByRole('button', { name: 'Cancel' }).click();
  await page.locator('form.event-form').waitFor({ state: 'detached' });
  await onePane(page, setup, 'list');
}

async function contacts(page, setup, gal) {
  await page.getByRole('tab', { name: 'Contacts' }).click();
  await page.locator('li.card-entry', { hasText: 'Grace Hopper' }).click();
  await page.locator('.card-title', { hasText: 'Grace Hopper' }).waitFor();
  await onePane(page, setup, 'detail');
  await audit(page, setup, 'contacts');
  await back(page, setup, 'list');
  await back(page, setup, 'nav');
  await page.getByRole('button', { name: 'Directory' }).click();
  const colleague = page.locator('li.person-entry', { hasText: COLLEAGUE });
  await colleague.waitFor();
  await onePane(page, setup, 'list');
  if (gal) {
    // A page at a time: the first 50, then the rest.
    await page.getByRole('status').filter({ hasText: `50 of ${SIZE}` }).waitFor();
    check(await page.locator('li.person-entry').count() === 50, 'a page of 50');
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.getByRole('status').filter({ hasText: `${SIZE} of ${SIZE}` }).waitFor();
    check(await page.locator('li.person-entry').count() === SIZE, 'every one after Show more');
    check(await page.getByRole('button', { name: 'Show more' }).isHidden(), 'nothing more to show');
  }
  check(await page.locator('li.person-entry', { hasText: 'Grace Hopper' }).count() === 0, 'the directory is not the contacts');
  // A search finds the colleague, and only those matching.
  await page.getByLabel('Search contacts').fill(COLLEAGUE_NAME.split(' ')[0]);
  await page.getByLabel('Search contacts').press('Enter');
  await page.getByRole('status').filter({ hasText: /^1 of 1$/ }).waitFor();
  await colleague.click();
  await page.locator('.card-title', { hasText: COLLEAGUE_NAME }).waitFor();
  await onePane(page, setup, 'detail');
  await audit(page, setup, 'directory');
  if (gal) {
    await page.getByRole('button', { name: 'Add to my contacts' }).click();
    await page.getByText(`${COLLEAGUE_NAME} is now in your contacts.`).waitFor();
    await step('gal-added');
    // Added twice, one card: the second time says so.
    await colleague.click();
    await page.getByRole('button', { name: 'Add to my contacts' }).click();
    await page.getByText(`${COLLEAGUE_NAME} is already in your contacts.`).waitFor();
    await page.getByRole('button', { name: 'Write to' }).click();
    await page.getByRole('tab', { name: 'Mail', selected: true }).waitFor();
    const to = page.getByLabel('To', { exact: true });
    await to.waitFor();
    check((await to.inputValue()).includes(COLLEAGUE), `compose to the colleague: ${await to.inputValue()}`);
    await page.getByRole('button', { name: 'Discard' }).click();
  }
}

async function tasks(page, setup) {
  await page.getByRole('tab', { name: 'Tasks' }).click();
  await page.getByRole('button', { name: 'New task' }).waitFor();
  await onePane(page, setup, 'list');
  await audit(page, setup, 'tasks');
  await page.getByRole('button', { name: 'New task' }).click();
  await page.getByLabel('Title', { exact: true }).waitFor();
  await onePane(page, setup, 'detail');
  await audit(page, setup, 'task-form');
}

/** Settings; its Theme overrides the system and is kept over a reload. */
async function settings(page, setup) {
  await page.getByRole('tab', { name: 'Settings' }).click();
  const system = page.getByLabel('Same as the device');
  await system.waitFor();
  check(await system.isChecked(), 'the theme follows the device by default');
  await audit(page, setup, 'settings');
  const other = setup.colorScheme === 'dark' ? 'light' : 'dark';
  await page.getByLabel(other === 'dark' ? 'Dark' : 'Light', { exact: true }).check();
  await themed(page, other);
  // Over a reload, the choice is there before the first frame (no flash of the other theme).
  await page.context().addInitScript(() => {
    requestAnimationFrame(() => { window.firstFrameTheme = document.documentElement.dataset.theme ?? 'none'; });
  });
  await page.reload();
  await page.getByRole('tab', { name: 'Mail' }).waitFor();
  check(await page.evaluate(() => window.firstFrameTheme) === other, 'the chosen theme from the first frame');
  await themed(page, other);
  await page.getByRole('tab', { name: 'Settings' }).click();
  await audit(page, setup, `settings-${other}-chosen`);
  await page.getByLabel('Same as the device').check();
  await themed(page, setup.colorScheme);
}

/** The login page, in a context of its own, its theme there from the first frame. */
async function login(browser, setup) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: setup.viewport,
    colorScheme: setup.colorScheme, hasTouch: setup.phone });
  await context.addInitScript(() => {
    requestAnimationFrame(() => { window.firstFrameTheme = document.documentElement.dataset.theme ?? 'none'; });
  });
  const page = await context.newPage();
  await page.goto(process.env.RELAIS_URL);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  check(await page.evaluate(() => window.firstFrameTheme) === setup.colorScheme,
    `the system's theme from the first frame: ${await page.evaluate(() => window.firstFrameTheme)}`);
  await themed(page, setup.colorScheme);
  await audit(page, setup, 'login');
  await signIn(page, process.env.RELAIS_USER, process.env.RELAIS_PASSWORD);
  await context.close();
}

async function run(browser, setup, first) {
  await login(browser, setup);
  const { context, page, errors } = await signedInPage(browser, process.env.RELAIS_USER, process.env.RELAIS_PASSWORD,
    { viewport: setup.viewport, colorScheme: setup.colorScheme, hasTouch: setup.phone });
  try {
    await themed(page, setup.colorScheme);
    await mail(page, setup);
    await calendar(page, setup);
    await tasks(page, setup);
    await settings(page, setup);
    await contacts(page, setup, first);
    check(errors.length === 0, `no error in the page (${setup.name}): ${errors.join('; ')}`);
  } finally {
    await context.close();
  }
  await step(`audited-${setup.name}`);
}

browse(async (page) => {
  const browser = page.context().browser();
  for (const [i, setup] of SETUPS.entries()) {
    await run(browser, setup, i === 0);
  }
  check(found.length === 0, `no serious or critical accessibility violation:\n${found.join('\n')}`);
});
