// The organisation's directory in Contacts — the global address list — on JMAP Principals
// (RFC 9670 §3: Principal/query with the `text` filter, sorted by name, a page of PAGE at a
// position, calculateTotal; Principal/get by result reference): the people, groups, rooms and
// equipment the server lets the user see, a page at a time ("Show more"), searchable, shown
// read-only (name, address, kind) with "Write to" and "Add to my contacts". What is drawn comes
// from the server and is set as text only. `splitName` and `nextPosition` are pure (tested).

import { h } from './dom.js';
import { strings } from './strings.js';
import { PRINCIPALS } from './api.js';

const t = strings.fit;
/** Principals asked for at a time. */
export const PAGE = 50;
/** The most held in the list (then a search narrows it). */
export const MAX_SHOWN = 1000;
const MAX_QUERY = 200;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, email: string, kind: string }} Person
 * @typedef {{ write: (p: Person) => void, add: (p: Person) => Promise<string> }} PersonActions
 *   `add` answers what to tell the user
 */

/**
 * A full name as the given names and the surname a card keeps (the last word is the surname;
 * one word is a given name).
 * @param {string} full
 * @returns {{ given: string, surname: string }}
 */
export function splitName(full) {
  const words = full.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) {
    return { given: words[0] ?? '', surname: '' };
  }
  return { given: words.slice(0, -1).join(' '), surname: words[words.length - 1] };
}

/**
 * The position of the next page, or null when every one is shown or the list is full.
 * @param {number} shown
 * @param {number} total
 */
export function nextPosition(shown, total) {
  return shown < total && shown < MAX_SHOWN ? shown : null;
}

/**
 * A principal as the list shows it (one without an address has nothing to write to, and its
 * name is its only text).
 * @param {{ id?: unknown, name?: unknown, email?: unknown, type?: unknown }} p
 * @returns {Person | null}
 */
export function personOf(p) {
  if (typeof p.id !== 'string') {
    return null;
  }
  const email = typeof p.email === 'string' ? p.email : '';
  const name = typeof p.name === 'string' && p.name !== email ? p.name : '';
  return { id: p.id, name, email, kind: typeof p.type === 'string' ? p.type : 'individual' };
}

/** @param {string} kind */
function kindLabel(kind) {
  return kind === 'individual' ? t.individual : /** @type {Record<string, string>} */ (strings.people.kinds)[kind] ?? kind;
}

/** The directory's list (in the contacts view's list pane) and a person's card. */
export class AddressList {
  /**
   * @param {Jmap} jmap
   * @param {{ list: HTMLElement, status: HTMLElement, more: HTMLButtonElement, detail: HTMLElement }} where
   * @param {PersonActions & { shown: (p: Person) => void }} actions `shown`: a person opened
   */
  constructor(jmap, where, actions) {
    this.jmap = jmap;
    this.accountId = jmap.accounts[PRINCIPALS] ?? '';
    this.where = where;
    this.actions = actions;
    /** @type {Person[]} */
    this.people = [];
    this.total = 0;
    this.text = '';
    /** @type {string | null} */
    this.selected = null;
    /** Counts searches: a page asked for by an older one is dropped. */
    this.asked = 0;
  }

  /**
   * The first page of those matching `text` (everyone when empty).
   * @param {string} text
   */
  async search(text) {
    this.text = text.trim().slice(0, MAX_QUERY);
    this.people = [];
    this.total = 0;
    this.asked += 1;
    if (!this.accountId) {
      this.where.list.replaceChildren(h('li', { class: 'placeholder' }, [t.unavailable]));
      this.where.more.hidden = true;
      return;
    }
    await this.page();
  }

  /** The next page, appended. */
  async page() {
    const position = this.people.length === 0 ? 0 : nextPosition(this.people.length, this.total);
    if (position === null) {
      return;
    }
    const mine = this.asked;
    const filter = this.text ? { text: this.text } : null;
    const r = await this.jmap.call([
      ['Principal/query', { accountId: this.accountId, filter, sort: [{ property: 'name' }], position, limit: PAGE,
        calculateTotal: true }, 'q'],
      ['Principal/get', { accountId: this.accountId, properties: ['id', 'name', 'email', 'type'],
        '#ids': { resultOf: 'q', name: 'Principal/query', path: '/ids' } }, 'g'],
    ]);
    if (mine !== this.asked) {
      return;
    }
    /** @type {Map<string, Person>} */
    const byId = new Map();
    for (const p of r.g.list ?? []) {
      const person = personOf(p);
      if (person) {
        byId.set(person.id, person);
      }
    }
    /** @type {string[]} */
    const ids = r.q.ids ?? [];
    const known = new Set(this.people.map((p) => p.id));
    for (const id of ids) {
      const person = byId.get(id);
      if (person && !known.has(id)) {
        this.people.push(person);
      }
    }
    this.total = Math.max(Number(r.q.total) || 0, this.people.length);
    this.draw();
  }

  draw() {
    const { list, status, more } = this.where;
    if (this.people.length === 0) {
      list.replaceChildren(h('li', { class: 'placeholder' }, [t.nobody]));
    } else {
      list.replaceChildren(...this.people.map((p) => h('li', {
        class: 'card-entry person-entry', role: 'option', id: `person-${p.id}`, 'aria-selected': String(p.id === this.selected),
        onclick: () => this.show(p),
      }, [h('span', { class: 'card-name' }, [p.name || p.email]),
        h('span', { class: 'card-email' }, [p.name ? p.email : '', p.kind !== 'individual' ? ` · ${kindLabel(p.kind)}` : ''])])));
    }
    status.textContent = this.people.length ? t.shown(this.people.length, this.total) : '';
    more.hidden = nextPosition(this.people.length, this.total) === null;
  }

  /**
   * Up and Down in the list.
   * @param {KeyboardEvent} e
   */
  onKey(e) {
    const i = this.people.findIndex((p) => p.id === this.selected);
    const next = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : null;
    if (next !== null && this.people[Math.max(0, next)]) {
      e.preventDefault();
      this.show(this.people[Math.max(0, next)]);
      this.where.list.focus();
    }
  }

  /**
   * A person's card, read-only, with what one can do.
   * @param {Person} p
   */
  show(p) {
    this.selected = p.id;
    for (const li of this.where.list.querySelectorAll('li.person-entry')) {
      li.setAttribute('aria-selected', String(li.id === `person-${p.id}`));
    }
    const said = h('p', { class: 'status', role: 'status' });
    const add = h('button', { type: 'button', class: 'add-contact', disabled: !p.email, onclick: () => {
      add.disabled = true;
      this.actions.add(p).then((text) => { said.textContent = text; },
        (e) => { said.textContent = `${t.failed} ${e instanceof Error ? e.message : String(e)}`; add.disabled = false; });
    } }, [t.addToContacts]);
    this.where.detail.replaceChildren(
      h('h2', { class: 'card-title' }, [p.name || p.email]),
      h('p', { class: 'read-only' }, [t.readOnly]),
      h('div', { class: 'actions' }, [
        h('button', { type: 'button', class: 'write-to', disabled: !p.email, onclick: () => this.actions.write(p) }, [t.write]),
        add,
      ]),
      said,
      p.email ? h('div', { class: 'card-field' }, [h('h3', {}, [t.email]), h('p', {}, [p.email])]) : '',
      h('div', { class: 'card-field' }, [h('h3', {}, [t.kind]), h('p', {}, [kindLabel(p.kind)])]),
    );
    this.actions.shown(p);
  }
}
