// Completion of people as one types: the global address list (JMAP Principal/query, RFC 9670
// §3: users, groups, rooms and equipment the user sees) and the user's own contacts
// (ContactCard/query `text`, RFC 9610), asked together in one request a moment after the typing
// pauses, at most LIMIT of each, merged (one entry per address, the directory first).
// `attachCompletion` makes a text input an ARIA combobox (WAI-ARIA 1.2 "combobox" pattern with
// a listbox popup: Down/Up move, Enter chooses, Escape closes); the compose form's To/Cc/Bcc and
// the event form's attendees use it.

import { h } from './dom.js';
import { strings } from './strings.js';
import { PRINCIPALS, CONTACTS } from './api.js';
import { formatAddress } from './draft.js';

const t = strings.people;
/** The most suggestions of each source, and shown. */
export const LIMIT = 8;
/** How long after the last keystroke the server is asked. */
const DEBOUNCE_MS = 200;
/** The longest text searched (a name or an address). */
const MAX_QUERY = 200;

/**
 * A person (or group, room, equipment) one may write to or invite. `kind` is the JMAP
 * Principal type (`individual`, `group`, `location`, `resource`, `other`) or `contact` for
 * one of the user's cards.
 * @typedef {{ name: string, email: string, kind: string, principalId?: string }} Person
 * @typedef {import('./api.js').Jmap} Jmap
 */

/**
 * The entries of both sources, the directory's first, one per address (case-insensitive),
 * at most `limit`; `kinds`, when given, keeps only those kinds (contacts are `contact`).
 * @param {Array<{ id?: string, name?: string | null, email?: string | null, type?: string }>} principals
 * @param {Array<{ name?: { full?: string, components?: Array<{ kind?: string, value?: string }> } | null,
 *   emails?: Record<string, { address?: string }> | null }>} cards
 * @param {number} limit
 * @param {string[] | null} [kinds]
 * @returns {Person[]}
 */
export function mergePeople(principals, cards, limit, kinds = null) {
  /** @type {Person[]} */
  const all = [];
  for (const p of principals) {
    if (p.email) {
      all.push({ name: p.name && p.name !== p.email ? p.name : '', email: p.email, kind: p.type ?? 'individual',
        principalId: p.id });
    }
  }
  for (const c of cards) {
    const name = c.name?.full
      || (c.name?.components ?? []).filter((x) => x.kind !== 'separator').map((x) => x.value ?? '').join(' ').trim();
    for (const e of Object.values(c.emails ?? {})) {
      if (e.address) {
        all.push({ name, email: e.address, kind: 'contact' });
      }
    }
  }
  const seen = new Set();
  return all.filter((p) => {
    const key = p.email.toLowerCase();
    if (seen.has(key) || (kinds && !kinds.includes(p.kind))) {
      return false;
    }
    seen.add(key);
    return true;
  }).slice(0, limit);
}

/**
 * The address being typed in a comma-separated field (the text after the last separator
 * outside quotes) and what comes before it.
 * @param {string} value
 * @returns {{ before: string, token: string }}
 */
export function lastToken(value) {
  let quoted = false;
  let cut = 0;
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i];
    if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === ',' || c === ';')) {
      cut = i + 1;
    }
  }
  const token = value.slice(cut);
  const lead = token.length - token.trimStart().length;
  return { before: value.slice(0, cut + lead), token: token.trim() };
}

/**
 * The field's text with the address being typed replaced by `person`, ready for the next.
 * @param {string} value
 * @param {Person} person
 */
export function withChosen(value, person) {
  const { before } = lastToken(value);
  const spaced = before && !/\s$/.test(before) ? `${before} ` : before;
  return `${spaced}${formatAddress({ name: person.name || null, email: person.email })}, `;
}

/** Asks the server for people matching what is typed. */
export class Directory {
  /** @param {Jmap} jmap */
  constructor(jmap) {
    this.jmap = jmap;
    this.principals = jmap.accounts[PRINCIPALS] ?? '';
    this.contacts = jmap.accounts[CONTACTS] ?? '';
  }

  /**
   * At most LIMIT people matching `text` (a part of a name or an address).
   * @param {string} text
   * @param {string[] | null} [kinds]
   * @returns {Promise<Person[]>}
   */
  async find(text, kinds = null) {
    const q = text.trim().slice(0, MAX_QUERY);
    if (!q) {
      return [];
    }
    /** @type {import('./api.js').Invocation[]} */
    const calls = [];
    if (this.principals) {
      calls.push(['Principal/query', { accountId: this.principals, filter: { text: q }, sort: [{ property: 'name' }],
        limit: LIMIT }, 'pq'],
      ['Principal/get', { accountId: this.principals, properties: ['id', 'name', 'email', 'type'],
        '#ids': { resultOf: 'pq', name: 'Principal/query', path: '/ids' } }, 'pg']);
    }
    if (this.contacts) {
      calls.push(['ContactCard/query', { accountId: this.contacts, filter: { text: q }, limit: LIMIT }, 'cq'],
        ['ContactCard/get', { accountId: this.contacts, properties: ['id', 'name', 'emails'],
          '#ids': { resultOf: 'cq', name: 'ContactCard/query', path: '/ids' } }, 'cg']);
    }
    if (!calls.length) {
      return [];
    }
    const r = await this.jmap.call(calls);
    return mergePeople(r.pg?.list ?? [], r.cg?.list ?? [], LIMIT, kinds);
  }
}

/** @param {string} kind */
function kindLabel(kind) {
  return /** @type {Record<string, string>} */ (t.kinds)[kind] ?? '';
}

let serial = 0;

/**
 * Makes `input` a combobox completing people from `directory`. By default the chosen person
 * replaces the address being typed (a comma-separated field); with `onChoose` the caller takes
 * it and the input is cleared.
 * @param {HTMLInputElement} input
 * @param {Directory} directory
 * @param {{ kinds?: string[] | null, onChoose?: (p: Person) => void, field?: (text: string) => string }} [options]
 *   `field` says which text to search (the whole input unless given)
 * @returns {HTMLElement} the wrapper holding the input and the list, put where the input was
 */
export function attachCompletion(input, directory, options = {}) {
  serial += 1;
  const listId = `people-${serial}`;
  const list = h('ul', { id: listId, role: 'listbox', class: 'people-list', 'aria-label': t.suggestions, hidden: true });
  /** @type {Person[]} */
  let found = [];
  let active = -1;
  let asked = 0;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listId);
  input.autocomplete = 'off';
  const search = options.field ?? ((/** @type {string} */ v) => lastToken(v).token);

  const close = () => {
    list.hidden = true;
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  /** @param {number} i */
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `${listId}-${i}`);
      list.children[i]?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };
  /** @param {Person} p */
  const choose = (p) => {
    close();
    if (options.onChoose) {
      input.value = '';
      options.onChoose(p);
    } else {
      input.value = withChosen(input.value, p);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      // The text changed by us: nothing to complete until the user types again.
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
    }
    input.focus();
  };
  const draw = () => {
    list.replaceChildren(...found.map((p, i) => h('li', { id: `${listId}-${i}`, role: 'option', class: 'person',
      'aria-selected': 'false',
      onmousedown: (e) => e.preventDefault(),
      onclick: () => choose(p) }, [
      h('span', { class: 'person-name' }, [p.name || p.email]),
      p.name ? h('span', { class: 'person-email' }, [p.email]) : null,
      kindLabel(p.kind) ? h('span', { class: 'person-kind' }, [kindLabel(p.kind)]) : null,
    ])));
    if (found.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      highlight(0);
    } else {
      close();
    }
  };
  const ask = () => {
    const text = search(input.value);
    asked += 1;
    const mine = asked;
    if (!text) {
      found = [];
      close();
      return;
    }
    directory.find(text, options.kinds ?? null).then((people) => {
      // A later keystroke asked again: this answer is stale.
      if (mine === asked && document.activeElement === input) {
        found = people;
        draw();
      }
    }).catch((e) => { console.error(e); });
  };
  input.addEventListener('input', (e) => {
    if (!e.isTrusted) {
      return;
    }
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => { timer = null; ask(); }, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    const open = !list.hidden && found.length > 0;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        ask();
        return;
      }
      const step = e.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + found.length) % found.length);
    } else if (e.key === 'Enter' && open && active >= 0 && !(e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation();
      choose(found[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener('blur', () => {
    asked += 1;
    close();
  });
  const box = h('div', { class: 'people-box' });
  input.replaceWith(box);
  box.append(input, list);
  return box;
}
