// Settings: the out-of-office reply on JMAP's VacationResponse (RFC 8621 §8), the singleton of
// the mail account — on/off, an optional first and end instant (shown and typed in the browser's
// zone, sent as UTCDate), subject and text. The server keeps no HTML body, so the form has none.
// Then the password, app passwords and devices (`security.js`); first the name and signature
// and this browser's settings — language, Undo's delay, the compose format (`profile.js`).

import { h } from './dom.js';
import { strings } from './strings.js';
import { SECURITY, Unauthorized } from './api.js';
import { appPasswordSection, deviceSection, passwordSection } from './security.js';
import { themeSection } from './theme-setting.js';
import { inputValue, utcDate } from './occurrences.js';
import { identitySection, preferencesSection } from './profile.js';

const t = strings.settings;
const SINGLETON = 'singleton';

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ isEnabled: boolean, fromDate: string | null, toDate: string | null,
 *   subject: string | null, textBody: string | null }} VacationResponse
 */

/**
 * A datetime-local input's value (the browser's zone) as a UTCDate, or null when empty.
 * @param {string} value
 * @returns {string | null}
 */
export function utcFromInput(value) {
  return value ? utcDate(new Date(value)) : null;
}

/**
 * A UTCDate as a datetime-local input's value in the browser's zone ('' for none).
 * @param {string | null} date
 */
export function inputFromUtc(date) {
  return date ? inputValue(new Date(date)) : '';
}

export class SettingsView {
  /**
   * @param {Jmap} jmap
   * @param {HTMLElement} root
   */
  constructor(jmap, root) {
    this.jmap = jmap;
    this.root = root;
  }

  async start() {
    /** @type {VacationResponse | undefined} */
    let v;
    /** @type {HTMLElement} */
    let identity;
    try {
      const [r, section] = await Promise.all([this.jmap.call([['VacationResponse/get',
        { accountId: this.jmap.accountId, ids: [SINGLETON] }, 'v']]), identitySection(this.jmap)]);
      v = r.v.list[0];
      identity = section;
    } catch (e) {
      if (e instanceof Unauthorized) {
        throw e;
      }
      console.error(e);
      this.root.replaceChildren(h('p', { class: 'error', role: 'alert' }, [`${t.notRead} ${String(e)}`]));
      return;
    }
    const security = this.jmap.accounts[SECURITY] === this.jmap.accountId;
    this.root.replaceChildren(h('section', { class: 'pane settings-pane', 'aria-label': t.title }, [
      h('h2', {}, [t.title]),
      identity,
      preferencesSection(),
      themeSection(),
      this.form(v ?? { isEnabled: false, fromDate: null, toDate: null, subject: null, textBody: null }),
      security && passwordSection(this.jmap, this.jmap.minPasswordLength),
      security && appPasswordSection(this.jmap),
      security && deviceSection(this.jmap),
    ]));
  }

  stop() {}

  /**
   * The out-of-office form, filled with the saved reply.
   * @param {VacationResponse} v
   */
  form(v) {
    const field = (/** @type {string} */ id, /** @type {string} */ label, /** @type {HTMLElement} */ el) =>
      h('div', { class: 'field' }, [h('label', { for: id }, [label]), el]);
    const enabled = h('input', { id: 'oof-enabled', type: 'checkbox', checked: v.isEnabled });
    const from = h('input', { id: 'oof-from', type: 'datetime-local', value: inputFromUtc(v.fromDate) });
    const until = h('input', { id: 'oof-until', type: 'datetime-local', value: inputFromUtc(v.toDate) });
    const subject = h('input', { id: 'oof-subject', maxlength: '1000', value: v.subject ?? '' });
    const text = h('textarea', { id: 'oof-text', rows: '8', maxlength: '100000' });
    text.value = v.textBody ?? '';
    const error = h('p', { class: 'error', role: 'alert' });
    const status = h('p', { class: 'status', role: 'status' });
    const save = async () => {
      error.textContent = '';
      status.textContent = '';
      const [fromDate, toDate] = [utcFromInput(from.value), utcFromInput(until.value)];
      if (fromDate && toDate && toDate <= fromDate) {
        error.textContent = t.untilBeforeFrom;
        return;
      }
      const patch = { isEnabled: enabled.checked, fromDate, toDate,
        subject: subject.value.trim() || null, textBody: text.value || null };
      const r = await this.jmap.call([['VacationResponse/set',
        { accountId: this.jmap.accountId, update: { [SINGLETON]: patch } }, 's']]);
      const refused = r.s.notUpdated?.[SINGLETON];
      if (refused) {
        error.textContent = `${t.failed} ${refused.description ?? refused.type}`;
        return;
      }
      status.textContent = enabled.checked ? t.savedOn : t.savedOff;
    };
    return h('form', { class: 'settings-form', 'aria-labelledby': 'oof-title', onsubmit: (e) => {
      e.preventDefault();
      save().catch((x) => {
        if (x instanceof Unauthorized) {
          window.location.reload();
        }
        error.textContent = `${t.failed} ${String(x)}`;
      });
    } }, [
      h('h3', { id: 'oof-title' }, [t.outOfOffice]),
      h('div', { class: 'field check' }, [enabled, h('label', { for: 'oof-enabled' }, [t.enabled])]),
      h('p', { class: 'hint' }, [t.hint]),
      field('oof-from', t.from, from),
      field('oof-until', t.until, until),
      field('oof-subject', t.subject, subject),
      field('oof-text', t.text, text),
      error,
      h('div', { class: 'actions' }, [h('button', { type: 'submit', class: 'send' }, [t.save])]),
      status,
    ]);
  }
}
