// Settings, what keeps the account safe, on Relais's own JMAP capability
// `urn:relais:jmap:security`: the password (changed with the current one; every session then
// ends, this one's too, so the page signs in again), app passwords (listed, made — the password
// shown this once —, revoked) and the phones that sync the account over ActiveSync (listed,
// wiped, forgotten). Making an app password, wiping or forgetting a device asks for the
// account's password, which the server checks as a login.

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { MethodError, Unauthorized } from './api.js';

const t = strings.security;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, created: string, lastUsed: string | null }} AppPassword
 * @typedef {{ id: string, deviceId: string, deviceType: string, model: string | null,
 *   friendlyName: string | null, os: string | null, lastSeen: string, provisioned: boolean,
 *   wipe: string }} Device
 */

/**
 * What to tell the user of a failure: the server's description of a method error, else the error.
 * @param {unknown} e
 */
export function failure(e) {
  if (e instanceof MethodError) {
    return e.description ?? e.type;
  }
  return String(e);
}

/**
 * A UTCDate as a short local date and time ('' for none).
 * @param {string | null} date
 */
export function when(date) {
  return date ? new Date(date).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

/**
 * What a device's wipe state reads as.
 * @param {string} wipe
 */
export function wipeText(wipe) {
  return /** @type {Record<string, string>} */ ({
    requested: t.wipeRequested,
    accountRequested: t.accountWipeRequested,
    wiped: t.wiped,
    accountWiped: t.accountWiped,
  })[wipe] ?? '';
}

/**
 * Runs `work`, showing its failure in `error` (a lost session reloads the page).
 * @param {HTMLElement} error
 * @param {() => Promise<void>} work
 */
async function guarded(error, work) {
  error.textContent = '';
  try {
    await work();
  } catch (e) {
    if (e instanceof Unauthorized) {
      window.location.reload();
      return;
    }
    error.textContent = `${t.failed} ${failure(e)}`;
  }
}

/**
 * A labelled field.
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} el
 */
function field(id, label, el) {
  return h('div', { class: 'field' }, [h('label', { for: id }, [label]), el]);
}

/** @param {string} id */
function passwordInput(id, autocomplete = 'current-password') {
  return h('input', { id, type: 'password', autocomplete, required: true, maxlength: '1024' });
}

/**
 * The password form.
 * @param {Jmap} jmap
 * @param {number} minLength
 */
export function passwordSection(jmap, minLength) {
  const current = passwordInput('pw-current');
  const next = passwordInput('pw-new', 'new-password');
  const again = passwordInput('pw-again', 'new-password');
  next.setAttribute('minlength', String(minLength));
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });
  const change = async () => {
    if (next.value !== again.value) {
      error.textContent = t.mismatch;
      return;
    }
    await jmap.call([['Password/change',
      { accountId: jmap.accountId, currentPassword: current.value, newPassword: next.value }, 'p']]);
    status.textContent = t.changed;
    // Every session of the account has ended, this one's too: sign in again.
    setTimeout(() => window.location.reload(), 1500);
  };
  return h('form', { class: 'settings-form', 'aria-labelledby': 'pw-title', onsubmit: (e) => {
    e.preventDefault();
    guarded(error, change);
  } }, [
    h('h3', { id: 'pw-title' }, [t.password]),
    h('p', { class: 'hint' }, [t.passwordHint.replace('{n}', String(minLength))]),
    field('pw-current', t.current, current),
    field('pw-new', t.newPassword, next),
    field('pw-again', t.again, again),
    error,
    h('div', { class: 'actions' }, [h('button', { type: 'submit', class: 'send' }, [t.change])]),
    status,
  ]);
}

/**
 * App passwords: the list with a revoke button each, and the form that makes one.
 * @param {Jmap} jmap
 */
export function appPasswordSection(jmap) {
  const list = h('ul', { class: 'credential-list', 'aria-label': t.appPasswords });
  const error = h('p', { class: 'error', role: 'alert' });
  const made = h('div', { class: 'made', role: 'status' });
  const name = h('input', { id: 'app-name', required: true, maxlength: '64', autocomplete: 'off' });
  const current = passwordInput('app-current');
  const load = async () => {
    const r = await jmap.call([['AppPassword/get', { accountId: jmap.accountId }, 'g']]);
    /** @type {AppPassword[]} */
    const apps = r.g.list;
    list.replaceChildren(...(apps.length ? apps.map((a) => h('li', {}, [
      h('span', { class: 'name' }, [a.name]),
      h('span', { class: 'meta' }, [`${t.created} ${when(a.created)}`,
        a.lastUsed ? ` · ${t.lastUsed} ${when(a.lastUsed)}` : ` · ${t.neverUsed}`]),
      h('button', { type: 'button', 'aria-label': `${t.revoke} ${a.name}`, onclick: () => guarded(error, async () => {
        await jmap.call([['AppPassword/set', { accountId: jmap.accountId, destroy: [a.id] }, 'r']]);
        made.replaceChildren();
        await load();
      }) }, [t.revoke]),
    ])) : [h('li', { class: 'empty' }, [t.noAppPasswords])]));
  };
  const create = async () => {
    const r = await jmap.call([['AppPassword/set', { accountId: jmap.accountId,
      currentPassword: current.value, create: { n: { name: name.value.trim() } } }, 'c']]);
    const refused = r.c.notCreated?.n;
    if (refused) {
      error.textContent = `${t.failed} ${refused.description ?? refused.type}`;
      return;
    }
    const password = String(r.c.created.n.password);
    made.replaceChildren(
      h('p', {}, [t.madeHint.replace('{name}', name.value.trim())]),
      h('code', { class: 'secret', id: 'app-secret' }, [password]),
    );
    name.value = '';
    current.value = '';
    await load();
  };
  const section = h('section', { class: 'settings-form', 'aria-labelledby': 'apps-title' }, [
    h('h3', { id: 'apps-title' }, [t.appPasswords]),
    h('p', { class: 'hint' }, [t.appHint]),
    list,
    h('form', { class: 'settings-form', 'aria-label': t.newAppPassword, onsubmit: (e) => {
      e.preventDefault();
      guarded(error, create);
    } }, [
      field('app-name', t.appName, name),
      field('app-current', t.current, current),
      h('div', { class: 'actions' }, [h('button', { type: 'submit', class: 'send' }, [t.make])]),
    ]),
    made,
    error,
  ]);
  guarded(error, load);
  return section;
}

/**
 * Devices: each phone with what it said of itself, wipe and forget (with the password).
 * @param {Jmap} jmap
 */
export function deviceSection(jmap) {
  const list = h('ul', { class: 'credential-list', 'aria-label': t.devices });
  const error = h('p', { class: 'error', role: 'alert' });
  const current = passwordInput('device-current');
  /**
   * @param {string} id
   * @param {Record<string, unknown>} args
   */
  const change = (id, args) => guarded(error, async () => {
    if (!current.value) {
      error.textContent = t.needPassword;
      current.focus();
      return;
    }
    const r = await jmap.call([['Device/set',
      { accountId: jmap.accountId, currentPassword: current.value, ...args }, 'd']]);
    const refused = r.d.notUpdated?.[id] ?? r.d.notDestroyed?.[id];
    if (refused) {
      error.textContent = `${t.failed} ${refused.description ?? refused.type}`;
    }
    await load();
  });
  const load = async () => {
    const r = await jmap.call([['Device/get', { accountId: jmap.accountId }, 'g']]);
    /** @type {Device[]} */
    const devices = r.g.list;
    list.replaceChildren(...(devices.length ? devices.map((d) => {
      const label = d.friendlyName || d.model || d.deviceType;
      return h('li', { 'data-device': d.deviceId }, [
        h('span', { class: 'name' }, [label]),
        h('span', { class: 'meta' }, [[d.model, d.os].filter(Boolean).join(' · '),
          ` · ${t.lastSeen} ${when(d.lastSeen)}`]),
        h('span', { class: 'state' }, [wipeText(d.wipe)]),
        d.wipe === 'none' && h('button', { type: 'button', 'aria-label': `${t.wipe} ${label}`,
          onclick: () => {
            if (window.confirm(t.confirmWipe.replace('{name}', label))) {
              change(d.id, { update: { [d.id]: { wipe: 'device' } } });
            }
          } }, [t.wipe]),
        h('button', { type: 'button', 'aria-label': `${t.forget} ${label}`,
          onclick: () => change(d.id, { destroy: [d.id] }) }, [t.forget]),
      ]);
    }) : [h('li', { class: 'empty' }, [t.noDevices])]));
  };
  const section = h('section', { class: 'settings-form', 'aria-labelledby': 'devices-title' }, [
    h('h3', { id: 'devices-title' }, [t.devices]),
    h('p', { class: 'hint' }, [t.deviceHint]),
    field('device-current', t.current, current),
    list,
    error,
  ]);
  guarded(error, load);
  return section;
}
