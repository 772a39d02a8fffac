// The web client's Settings for the account's security end to end in Debian's headless Chromium
// (playwright-core): an app password made (its password shown once) and revoked, a phone wiped,
// the password changed and signed in with again. Run by interop/test_web_security.py, which
// checks each step over IMAP and ActiveSync; see interop/web/steps.cjs for the protocol.
//
//   RELAIS_URL=https://127.0.0.1:PORT RELAIS_USER=… RELAIS_PASSWORD=… RELAIS_NEW_PASSWORD=… \
//   NODE_PATH=…/node_modules node interop/web/security.cjs

'use strict';

const { step, check, screenshot, signIn, browse } = require('./steps.cjs');

const user = process.env.RELAIS_USER;
const password = process.env.RELAIS_PASSWORD;
const renewed = process.env.RELAIS_NEW_PASSWORD;

async function appPassword(page) {
  const section = page.getByRole('region', { name: 'App passwords' });
  await section.getByText('No app passwords.').waitFor();
  await page.getByLabel('Name (the app or device it is for)').fill('Thunderbird');
  // An app password is made only with the account's password: a wrong one is refused.
  await page.locator('#app-current').fill('not my password');
  await page.getByRole('button', { name: 'Make app password' }).click();
  await section.getByRole('alert').filter({ hasText: 'the current password is not right' }).waitFor();
  await page.locator('#app-current').fill(password);
  await page.getByRole('button', { name: 'Make app password' }).click();
  const secret = (await page.locator('#app-secret').textContent()).trim();
  check(secret.length >= 16, `an app password shown: ${secret}`);
  await section.getByRole('listitem').filter({ hasText: 'Thunderbird' }).waitFor();
  await step('app-made', secret);
  await page.getByRole('button', { name: 'Revoke Thunderbird' }).click();
  await section.getByText('No app passwords.').waitFor();
  check(await page.locator('#app-secret').count() === 0, 'the password no longer shown');
  await step('app-revoked');
}

async function devices(page) {
  const section = page.getByRole('region', { name: 'Phones and tablets' });
  const phone = section.getByRole('listitem').filter({ hasText: 'Ann phone' });
  await phone.waitFor();
  check((await phone.textContent()).includes('Model 14'), 'the model shown');
  page.once('dialog', (d) => d.accept());
  await page.locator('#device-current').fill(password);
  await page.getByRole('button', { name: 'Wipe Ann phone' }).click();
  await phone.getByText('Wipe requested').waitFor();
  await screenshot(page, 'settings-security');
  await step('device-wiped');
}

async function changePassword(page, errors) {
  await page.locator('#pw-current').fill(password);
  await page.locator('#pw-new').fill(renewed);
  await page.locator('#pw-again').fill(renewed);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
  // Every session ended, this one's too: the page comes back to the sign-in form.
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  // The reload's /web/session answers 401 (no session), which Chromium logs: that one is expected.
  const expected = errors.filter((e) => e.includes('401'));
  errors.splice(0, errors.length, ...errors.filter((e) => !expected.includes(e)));
  await signIn(page, user, renewed);
  await step('password-changed');
}

browse(async (page, errors) => {
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Password', exact: true }).waitFor();
  await appPassword(page);
  await devices(page);
  await changePassword(page, errors);
});
