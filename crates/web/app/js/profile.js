// Settings: the name people see and the signature (the account's own Identity, RFC 8621 §6:
// Identity/get and Identity/set of name, textSignature and htmlSignature — the HTML one written
// in the rich-text editor, cleaned by it), and what this browser keeps (localStorage): the
// language of the page (changing it reloads the page), the delay that allows Undo after Send,
// and whether new messages are written as plain or rich text.

import { h } from './dom.js';
import { strings, LANGUAGES, LANGUAGE_KEY, storedLanguage } from './strings.js';
import { Unauthorized } from './api.js';
import { Editor, FORMAT_KEY, prefersRich } from './editor.js';
import { HOLD_KEY, MAX_HOLD, storedHold } from './undo.js';

const t = strings.settings;
/** The longest name and signature kept (the server bounds them too). */
const MAX_NAME = 200;
const MAX_SIGNATURE = 10_000;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {import('./compose.js').Identity} Identity
 */

/**
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} el
 */
function field(id, label, el) {
  return h('div', { class: 'field' }, [h('label', { for: id }, [label]), el]);
}

/**
 * Runs `work`, showing its failure in `error` (a lost session reloads the page).
 * @param {HTMLElement} error
 * @param {() => Promise<void>} work
 */
function guarded(error, work) {
  error.textContent = '';
  work().catch((e) => {
    if (e instanceof Unauthorized) {
      window.location.reload();
    }
    error.textContent = `${t.failed} ${e instanceof Error ? e.message : String(e)}`;
  });
}

/**
 * The name and signature form of the account's own identity (the first Identity/get lists).
 * @param {Jmap} jmap
 * @returns {Promise<HTMLElement>}
 */
export async function identitySection(jmap) {
  const r = await jmap.call([['Identity/get', { accountId: jmap.accountId, ids: null }, 'i']]);
  /** @type {Identity | undefined} */
  const identity = r.i.list[0];
  const title = h('h3', { id: 'identity-title' }, [t.identity]);
  if (!identity) {
    return h('section', { class: 'settings-form', 'aria-labelledby': 'identity-title' }, [title,
      h('p', { class: 'hint' }, [t.noIdentity])]);
  }
  const name = h('input', { id: 'identity-name', maxlength: String(MAX_NAME), value: identity.name ?? '',
    autocomplete: 'name' });
  const text = h('textarea', { id: 'identity-text-signature', rows: '4', maxlength: String(MAX_SIGNATURE) });
  text.value = identity.textSignature ?? '';
  const rich = new Editor('identity-html-signature', t.htmlSignature, () => {});
  rich.setHtml(identity.htmlSignature ?? '');
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });
  const save = async () => {
    status.textContent = '';
    const html = rich.text().trim() ? rich.html().slice(0, MAX_SIGNATURE) : '';
    const patch = { name: name.value.trim().slice(0, MAX_NAME), textSignature: text.value, htmlSignature: html };
    const s = await jmap.call([['Identity/set', { accountId: jmap.accountId, update: { [identity.id]: patch } }, 's']]);
    const refused = s.s.notUpdated?.[identity.id];
    if (refused) {
      throw new Error(String(refused.description ?? refused.type));
    }
    status.textContent = t.identitySaved;
  };
  return h('form', { class: 'settings-form identity-form', 'aria-labelledby': 'identity-title',
    onsubmit: (e) => { e.preventDefault(); guarded(error, save); } }, [
    title,
    h('p', { class: 'hint' }, [t.identityHint]),
    field('identity-name', t.name, name),
    field('identity-text-signature', t.textSignature, text),
    h('div', { class: 'field' }, [h('span', { class: 'label', id: 'identity-html-label' }, [t.htmlSignature]),
      rich.element]),
    error,
    h('div', { class: 'actions' }, [h('button', { type: 'submit', class: 'send' }, [t.save])]),
    status,
  ]);
}

/**
 * Writes a setting of this browser (nothing when storage is refused).
 * @param {string} key
 * @param {string | null} value null: removed
 */
function keep(key, value) {
  try {
    if (value === null) {
      window.localStorage.removeItem(key);
    } else {
      window.localStorage.setItem(key, value);
    }
  } catch {
    // Private browsing may refuse storage: the setting lasts as long as the page.
  }
}

/** The form of this browser's settings: language, the delay before sending, the format. */
export function preferencesSection() {
  const chosen = storedLanguage();
  const language = h('select', { id: 'pref-language' }, [
    h('option', { value: '', selected: !chosen || !Object.hasOwn(LANGUAGES, chosen) }, [t.browserLanguage]),
    ...Object.entries(LANGUAGES).map(([code, l]) => h('option', { value: code, lang: code, selected: code === chosen },
      [l.name])),
  ]);
  const hold = h('input', { id: 'pref-hold', type: 'number', min: '0', max: String(MAX_HOLD), step: '1',
    value: String(storedHold()) });
  const format = h('select', { id: 'pref-format' }, [
    h('option', { value: 'plain', selected: !prefersRich() }, [t.formats.plain]),
    h('option', { value: 'rich', selected: prefersRich() }, [t.formats.rich]),
  ]);
  const status = h('p', { class: 'status', role: 'status' });
  const save = () => {
    const seconds = Math.min(MAX_HOLD, Math.max(0, Math.floor(Number(hold.value) || 0)));
    keep(HOLD_KEY, String(seconds));
    keep(FORMAT_KEY, format.value);
    const before = storedLanguage();
    keep(LANGUAGE_KEY, language.value || null);
    if ((before ?? '') !== language.value) {
      // The strings are read once, as the page loads.
      window.location.reload();
      return;
    }
    hold.value = String(seconds);
    status.textContent = t.preferencesSaved;
  };
  return h('form', { class: 'settings-form preferences-form', 'aria-labelledby': 'pref-title',
    onsubmit: (e) => { e.preventDefault(); save(); } }, [
    h('h3', { id: 'pref-title' }, [t.writing]),
    field('pref-language', t.language, language),
    field('pref-hold', t.holdSeconds, hold),
    field('pref-format', t.format, format),
    h('div', { class: 'actions' }, [h('button', { type: 'submit', class: 'send' }, [t.save])]),
    status,
  ]);
}
