// Contacts on JMAP for Contacts (RFC 9610): the account's address books, the chosen one's cards
// by name (ContactCard/query `inAddressBook`, sorted by surname then given name, +
// ContactCard/get by result reference), a search box
// (ContactCard/query's `text` filter), a card shown (name, e-mails, phones, organization,
// addresses, notes), a form to create one in the address book shown or edit one (name
// components, e-mails, phones, organization, note: card.js), delete, and changes made elsewhere
// shown without reload (EventSource AddressBook/ContactCard). Beside the address books, the
// organisation's Directory (gal.js), read-only; "Write to" (a card's or a directory entry's)
// asks main.js, by WRITE_EVENT, for Mail's compose form. On a phone one pane at a time
// (panes.js): address books, the list, a card.

import { h } from './dom.js';
import { strings } from './strings.js';
import { Unauthorized, CONTACTS } from './api.js';
import { displayName, component, details, cardProperties, splitList } from './card.js';
import { Panes, namePanes } from './panes.js';
import { AddressList, splitName } from './gal.js';

const t = strings.contacts;
const LIMIT = 500;
const PROPERTIES = ['id', 'addressBookIds', 'name', 'emails', 'phones', 'organizations', 'addresses', 'notes'];
/** Said (bubbling) with `{ name, email }` when the user asks to write to someone. */
export const WRITE_EVENT = 'relais-write';
/** The Directory's entry among the address books. */
const DIRECTORY = '';

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {import('./card.js').Card} Card
 * @typedef {{ id: string, name: string, isDefault: boolean }} AddressBook
 */

/** @param {unknown} e */
function report(e) {
  if (e instanceof Unauthorized) {
    window.location.reload();
  } else {
    console.error(e);
  }
}

export class ContactsView {
  /**
   * @param {Jmap} jmap
   * @param {HTMLElement} root
   */
  constructor(jmap, root) {
    this.jmap = jmap;
    this.accountId = jmap.accounts[CONTACTS] ?? '';
    /** @type {AddressBook[]} */
    this.books = [];
    /** @type {Card[]} */
    this.cards = [];
    /** @type {string | null} */
    this.selected = null;
    this.text = '';
    /** @type {EventSource | null} */
    this.source = null;
    /** @type {string | null} */
    this.cardState = null;
    /** @type {string | null} */
    this.bookState = null;
    this.root = root;
    /** The address book shown (its id), or DIRECTORY. */
    this.book = /** @type {string | null} */ (null);
    this.bookList = h('ul', { class: 'folders books', 'aria-label': strings.fit.addressBooks });
    this.list = h('ul', { class: 'cards', role: 'listbox', 'aria-label': t.contacts, tabindex: '0',
      onkeydown: (e) => this.onListKey(/** @type {KeyboardEvent} */ (e)) });
    this.detail = h('article', { class: 'reading card-pane', 'aria-label': t.contact, tabindex: '-1' },
      [h('p', { class: 'placeholder' }, [t.nothingSelected])]);
    this.status = h('p', { class: 'status', role: 'status' });
    this.alert = h('p', { class: 'error', role: 'alert' });
    this.searchInput = h('input', { type: 'search', id: 'contact-search', maxlength: '200', autocomplete: 'off' });
    const search = h('form', { class: 'search', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      this.text = this.searchInput.value.trim();
      (this.book === DIRECTORY ? this.gal.search(this.text) : this.load()).catch(report);
    } }, [
      h('label', { for: 'contact-search', class: 'visually-hidden' }, [t.search]),
      this.searchInput,
      h('button', { type: 'submit' }, [t.searchButton]),
    ]);
    this.more = h('button', { type: 'button', class: 'more', hidden: true,
      onclick: () => { this.gal.page().catch(report); } }, [strings.fit.more]);
    this.newButton = h('button', { type: 'button', class: 'new-message', onclick: () => this.edit(null) }, [t.newContact]);
    this.listPane = h('section', { class: 'pane list-pane contacts-list', 'aria-label': t.contacts }, [
      this.newButton, search, this.alert, this.list, this.status, this.more,
    ]);
    const nav = h('nav', { class: 'pane books-pane', 'aria-label': strings.fit.addressBooks }, [
      h('h2', { class: 'side-title' }, [strings.fit.addressBooks]), this.bookList]);
    namePanes({ nav, list: this.listPane, detail: this.detail });
    root.replaceChildren(nav, this.listPane, this.detail);
    this.panes = new Panes(root, 'list');
    this.gal = new AddressList(jmap, { list: this.list, status: this.status, more: this.more, detail: this.detail }, {
      write: (p) => this.writeTo(p.name, p.email),
      add: (p) => this.addPerson(p.name, p.email),
      shown: () => this.panes.show('detail'),
    });
  }

  /**
   * Asks for Mail's compose form to this person (main.js answers WRITE_EVENT).
   * @param {string} name
   * @param {string} email
   */
  writeTo(name, email) {
    this.root.dispatchEvent(new CustomEvent(WRITE_EVENT, { bubbles: true, detail: { name, email } }));
  }

  /**
   * A directory entry added to the default address book, unless a card has its address.
   * @param {string} name
   * @param {string} email
   * @returns {Promise<string>} what to tell the user
   */
  async addPerson(name, email) {
    const who = name || email;
    // The `email` filter matches a part of an address: the cards it finds are compared whole.
    const found = await this.jmap.call([
      ['ContactCard/query', { accountId: this.accountId, filter: { email }, limit: 50 }, 'q'],
      ['ContactCard/get', { accountId: this.accountId, properties: ['id', 'emails'],
        '#ids': { resultOf: 'q', name: 'ContactCard/query', path: '/ids' } }, 'g']]);
    /** @type {Card[]} */
    const cards = found.g.list ?? [];
    if (cards.some((c) => details(c).emails.some((a) => String(a).toLowerCase() === email.toLowerCase()))) {
      return strings.fit.already(who);
    }
    const { given, surname } = splitName(name);
    const props = cardProperties({ given, surname, emails: [email], phones: [], organization: '', note: '' });
    const book = this.books.find((b) => b.isDefault) ?? this.books[0];
    const r = await this.jmap.call([['ContactCard/set', { accountId: this.accountId, create: { n: { '@type': 'Card',
      version: '1.0', addressBookIds: { [book?.id ?? '']: true },
      ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null)) } } }, 's']]);
    const refused = r.s.notCreated?.n;
    if (refused) {
      throw new Error(refused.description ?? refused.type);
    }
    return strings.fit.added(who);
  }

  /** The address books and the Directory, the one shown marked. */
  drawBooks() {
    const entry = (/** @type {string} */ id, /** @type {string} */ name, /** @type {string} */ cls) => h('li', {}, [
      h('button', { type: 'button', class: `folder ${cls}`, 'aria-current': id === this.book ? 'true' : null,
        onclick: () => { this.openBook(id).catch(report); } }, [h('span', { class: 'name' }, [name])])]);
    this.bookList.replaceChildren(...this.books.map((b) => entry(b.id, b.name, 'book')),
      entry(DIRECTORY, strings.fit.directory, 'directory'));
  }

  /**
   * Shows an address book's cards, or the Directory.
   * @param {string} id
   */
  async openBook(id) {
    this.book = id;
    this.selected = null;
    this.gal.selected = null;
    this.text = '';
    this.searchInput.value = '';
    this.drawBooks();
    this.detail.replaceChildren(h('p', { class: 'placeholder' }, [t.nothingSelected]));
    const directory = id === DIRECTORY;
    this.newButton.hidden = directory;
    this.list.setAttribute('aria-label', directory ? strings.fit.directoryList : t.contacts);
    this.listPane.setAttribute('aria-label', directory ? strings.fit.directory : t.contacts);
    this.more.hidden = true;
    this.panes.show('list');
    await (directory ? this.gal.search('') : this.load());
  }

  async start() {
    if (!this.accountId) {
      this.alert.textContent = t.unavailable;
      return;
    }
    await this.loadBooks();
    await this.openBook((this.books.find((b) => b.isDefault) ?? this.books[0])?.id ?? DIRECTORY);
    // The states read last: a push naming them (the first one on connecting) changes nothing.
    this.source = this.jmap.follow((states) => {
      if (this.book === DIRECTORY) {
        return;
      }
      if (states.AddressBook && states.AddressBook !== this.bookState) {
        this.loadBooks().then(() => this.load()).catch(report);
      } else if (states.ContactCard && states.ContactCard !== this.cardState) {
        this.load().catch(report);
      }
    }, ['AddressBook', 'ContactCard'], this.accountId);
  }

  async loadBooks() {
    const r = await this.jmap.call([['AddressBook/get', { accountId: this.accountId, ids: null }, 'b']]);
    this.books = r.b.list;
    this.bookState = r.b.state;
    this.drawBooks();
  }

  stop() {
    this.source?.close();
  }

  async load() {
    if (this.book === DIRECTORY) {
      return;
    }
    const filter = { ...(this.book ? { inAddressBook: this.book } : {}), ...(this.text ? { text: this.text } : {}) };
    const r = await this.jmap.call([
      ['ContactCard/query', { accountId: this.accountId, filter, limit: LIMIT,
        sort: [{ property: 'name/surname' }, { property: 'name/given' }] }, 'q'],
      ['ContactCard/get', { accountId: this.accountId, properties: PROPERTIES,
        '#ids': { resultOf: 'q', name: 'ContactCard/query', path: '/ids' } }, 'g'],
    ]);
    /** @type {string[]} */
    const ids = r.q.ids;
    /** @type {Map<string, Card>} */
    const byId = new Map(r.g.list.map((/** @type {Card} */ c) => [c.id, c]));
    this.cards = ids.map((id) => byId.get(id)).filter((c) => c !== undefined);
    this.cardState = r.g.state;
    this.status.textContent = this.text ? t.found(this.cards.length, this.text) : '';
    this.drawList();
    const shown = this.cards.find((c) => c.id === this.selected);
    if (shown && !this.detail.querySelector('form')) {
      this.show(shown);
    }
  }

  drawList() {
    if (this.cards.length === 0) {
      this.list.replaceChildren(h('li', { class: 'placeholder' }, [this.text ? t.noneFound : t.none]));
      return;
    }
    this.list.replaceChildren(...this.cards.map((c) => h('li', {
      class: 'card-entry', role: 'option', id: `card-${c.id}`, 'aria-selected': String(c.id === this.selected),
      onclick: () => this.show(c),
    }, [h('span', { class: 'card-name' }, [displayName(c) || t.unnamed]),
      h('span', { class: 'card-email' }, [details(c).emails[0] ?? ''])])));
  }

  /** @param {KeyboardEvent} e */
  onListKey(e) {
    if (this.book === DIRECTORY) {
      this.gal.onKey(e);
      return;
    }
    const i = this.cards.findIndex((c) => c.id === this.selected);
    const next = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : null;
    if (next !== null && this.cards[Math.max(0, next)]) {
      e.preventDefault();
      this.show(this.cards[Math.max(0, next)]);
      this.list.focus();
    }
  }

  /** @param {Card} card */
  show(card) {
    this.selected = card.id;
    this.panes.show('detail');
    for (const li of this.list.querySelectorAll('li.card-entry')) {
      li.setAttribute('aria-selected', String(li.id === `card-${card.id}`));
    }
    const d = details(card);
    /**
     * @param {string} label
     * @param {string[]} items
     * @param {(v: string) => Node | string} [render]
     */
    const section = (label, items, render = (v) => v) => items.length ? h('div', { class: 'card-field' }, [
      h('h3', {}, [label]), h('ul', {}, items.map((v) => h('li', {}, [render(v)]))),
    ]) : '';
    this.detail.replaceChildren(
      h('h2', { class: 'card-title' }, [displayName(card) || t.unnamed]),
      h('div', { class: 'actions' }, [
        d.emails[0] ? h('button', { type: 'button', class: 'write-to',
          onclick: () => this.writeTo(displayName(card), d.emails[0]) }, [strings.fit.write]) : '',
        h('button', { type: 'button', onclick: () => this.edit(card) }, [t.edit]),
        h('button', { type: 'button', onclick: () => { this.remove(card).catch(report); } }, [t.delete]),
      ]),
      section(t.emails, d.emails, (v) => h('a', { href: `mailto:${v}` }, [v])),
      section(t.phones, d.phones),
      section(t.organization, d.organizations),
      section(t.addresses, d.addresses),
      section(t.notes, d.notes),
    );
  }

  /** @param {Card} card */
  async remove(card) {
    const r = await this.jmap.call([['ContactCard/set', { accountId: this.accountId, destroy: [card.id] }, 's']]);
    const refused = r.s.notDestroyed?.[card.id];
    if (refused) {
      this.alert.textContent = `${t.failed} ${refused.description ?? refused.type}`;
      return;
    }
    this.selected = null;
    this.detail.replaceChildren(h('p', { class: 'placeholder', role: 'status' }, [t.deleted]));
    this.panes.show('list');
    await this.load();
  }

  /**
   * The form: a new card (null) or this one's name, e-mails, phones, organization and note.
   * @param {Card | null} card
   */
  edit(card) {
    const d = card ? details(card) : null;
    const input = (/** @type {string} */ id, /** @type {string} */ label, /** @type {string} */ value) => {
      const el = h('input', { id, value, maxlength: '1000' });
      return { el, row: h('div', { class: 'field' }, [h('label', { for: id }, [label]), el]) };
    };
    const given = input('card-given', t.given, card ? component(card, 'given') : '');
    const surname = input('card-surname', t.surname, card ? component(card, 'surname') : '');
    const emails = input('card-emails', t.emails, d?.emails.join(', ') ?? '');
    const phones = input('card-phones', t.phones, d?.phones.join(', ') ?? '');
    const org = input('card-org', t.organization, d?.organizations[0] ?? '');
    const note = h('textarea', { id: 'card-note', rows: '4' });
    note.value = d?.notes[0] ?? '';
    const error = h('p', { class: 'error', role: 'alert' });
    const save = async () => {
      const props = cardProperties({ given: given.el.value, surname: surname.el.value,
        emails: splitList(emails.el.value), phones: splitList(phones.el.value),
        organization: org.el.value, note: note.value });
      if (!props.name && !props.emails) {
        error.textContent = t.needName;
        return;
      }
      const book = this.books.find((b) => b.id === this.book) ?? this.books.find((b) => b.isDefault) ?? this.books[0];
      const args = card
        ? { update: { [card.id]: props } }
        : { create: { n: { '@type': 'Card', version: '1.0', addressBookIds: { [book?.id ?? '']: true },
          ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null)) } } };
      const r = await this.jmap.call([['ContactCard/set', { accountId: this.accountId, ...args }, 's']]);
      const refused = r.s.notCreated?.n ?? (card ? r.s.notUpdated?.[card.id] : null);
      if (refused) {
        error.textContent = `${t.failed} ${refused.description ?? refused.type}`;
        return;
      }
      this.selected = card ? card.id : r.s.created.n.id;
      this.detail.replaceChildren();
      await this.load();
    };
    this.detail.replaceChildren(h('form', { class: 'compose card-form', 'aria-label': card ? t.edit : t.newContact,
      onsubmit: (e) => { e.preventDefault(); save().catch((x) => { error.textContent = `${t.failed} ${String(x)}`; report(x); }); } }, [
      h('h2', {}, [card ? t.edit : t.newContact]),
      given.row, surname.row, emails.row, phones.row, org.row,
      h('div', { class: 'field' }, [h('label', { for: 'card-note' }, [t.notes]), note]),
      error,
      h('div', { class: 'actions' }, [
        h('button', { type: 'submit', class: 'send' }, [t.save]),
        h('button', { type: 'button', onclick: () => (card ? this.show(card) : this.closeForm()) }, [t.cancel]),
      ]),
    ]));
    this.panes.show('detail');
    given.el.focus();
  }

  /** A new card's form cancelled: nothing shown, the list again on a phone. */
  closeForm() {
    this.detail.replaceChildren();
    this.panes.show('list');
  }
}
