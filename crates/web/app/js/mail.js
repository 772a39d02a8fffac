// Mail on JMAP (RFC 8621): folders with unread counts, a folder's messages newest first (pages
// of PAGE), search in all folders (Email/query from/to/subject/text, received dates,
// hasAttachment), the reading pane (reading.js; marked read on open), read/unread, flag, move to a folder, delete to Trash, compose, reply, reply
// all and forward (compose.js), and new mail without reload (EventSource → Email/changes → the
// list and counts read again).

import { h } from './dom.js';
import { strings } from './strings.js';
import { messageBody, bodyText } from './reading.js';
import { Unauthorized } from './api.js';
import { Compose } from './compose.js';
import { blank, reply, forward, resume } from './draft.js';
import { searchFilter } from './search.js';
import { showInvitation } from './invitation.js';

const PAGE = 50;
const LIST_PROPERTIES = ['id', 'threadId', 'mailboxIds', 'from', 'subject', 'receivedAt', 'preview', 'keywords',
  'hasAttachment'];
const BODY_BYTES = 1024 * 1024;
const READ_PROPERTIES = ['id', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt', 'receivedAt',
  'messageId', 'inReplyTo', 'references', 'keywords', 'mailboxIds', 'textBody', 'htmlBody', 'bodyValues',
  'attachments'];
const t = strings.mail;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, role: string | null, parentId: string | null,
 *   sortOrder: number, unreadEmails: number, totalEmails: number }} Mailbox
 * @typedef {{ name: string | null, email: string }} Address
 * @typedef {{ partId: string, type: string }} BodyPart
 * @typedef {{ id: string, from: Address[] | null, to?: Address[] | null, cc?: Address[] | null,
 *   bcc?: Address[] | null, replyTo?: Address[] | null, subject: string | null, sentAt?: string | null,
 *   messageId?: string[] | null, inReplyTo?: string[] | null, references?: string[] | null,
 *   receivedAt: string, preview?: string, keywords: Record<string, boolean>,
 *   mailboxIds: Record<string, boolean>, textBody?: BodyPart[], htmlBody?: BodyPart[],
 *   bodyValues?: Record<string, { value: string }>, hasAttachment?: boolean,
 *   attachments?: import('./files.js').Part[] | null }} Email
 * @typedef {{ id: string, email: string, name: string }} Identity
 */

/**
 * A failed background request: an ended session shows the login again.
 * @param {unknown} e
 */
function report(e) {
  if (e instanceof Unauthorized) {
    window.location.reload();
  } else {
    console.error(e);
  }
}

/** @param {Address[] | null | undefined} list */
function names(list) {
  return (list ?? []).map((a) => a.name || a.email).join(', ');
}

/** @param {string} iso */
function when(iso) {
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export class MailView {
  /**
   * @param {Jmap} jmap
   * @param {HTMLElement} root where the view draws itself
   */
  constructor(jmap, root) {
    this.jmap = jmap;
    /** @type {Mailbox[]} */
    this.mailboxes = [];
    /** @type {string | null} */
    this.current = null;
    /** @type {Email[]} */
    this.emails = [];
    this.total = 0;
    /** @type {string | null} */
    this.selected = null;
    /** @type {string | null} */
    this.emailState = null;
    /** The search shown instead of a folder (its words and filter), or null. */
    /** @type {{ text: string, filter: import('./search.js').Filter } | null} */
    this.search = null;
    /** The message shown in the reading pane, and its text (for a reply). */
    /** @type {Email | null} */
    this.shown = null;
    this.shownText = '';
    /** @type {Identity | null} */
    this.identity = null;
    /** @type {Compose | null} */
    this.compose = null;
    /** The shown message's toolbar. @type {HTMLElement | null} */
    this.actions = null;
    this.folderList = h('ul', { class: 'folders', 'aria-label': t.folders });
    this.messageList = h('ul', { class: 'messages', role: 'listbox', 'aria-label': t.messages, tabindex: '0',
      onkeydown: (e) => this.onListKey(/** @type {KeyboardEvent} */ (e)) });
    this.more = h('button', { type: 'button', class: 'more', hidden: true, onclick: () => this.loadMore() }, [t.loadMore]);
    this.reading = h('article', { class: 'reading', 'aria-label': t.reading, tabindex: '-1' }, [
      h('p', { class: 'placeholder' }, [t.nothingSelected]),
    ]);
    this.status = h('p', { class: 'status', role: 'status' });
    /** What the user asked for and did not happen. */
    this.alert = h('p', { class: 'error', role: 'alert' });
    this.searchInput = h('input', { type: 'search', name: 'q', id: 'search', placeholder: t.searchHint,
      maxlength: '1000', autocomplete: 'off' });
    this.clearButton = h('button', { type: 'button', class: 'clear-search', hidden: true,
      onclick: () => { this.endSearch().catch(report); } }, [t.clearSearch]);
    this.searchFrom = h('input', { type: 'date', name: 'from', id: 'search-from' });
    this.searchUntil = h('input', { type: 'date', name: 'until', id: 'search-until' });
    this.searchAttached = h('input', { type: 'checkbox', name: 'attached', id: 'search-attached' });
    const searchForm = h('form', { class: 'search', role: 'search',
      onsubmit: (e) => { e.preventDefault(); this.runSearch(this.searchInput.value).catch(report); } }, [
      h('label', { for: 'search', class: 'visually-hidden' }, [t.search]),
      this.searchInput,
      h('button', { type: 'submit' }, [t.searchButton]),
      this.clearButton,
      h('div', { class: 'search-options' }, [
        h('label', { for: 'search-from' }, [t.receivedFrom]), this.searchFrom,
        h('label', { for: 'search-until' }, [t.receivedUntil]), this.searchUntil,
        h('label', { class: 'check' }, [this.searchAttached, t.hasAttachment]),
      ]),
    ]);
    this.newButton = h('button', { type: 'button', class: 'new-message', disabled: true,
      onclick: () => this.startCompose(blank()) }, [t.newMessage]);
    root.replaceChildren(
      h('nav', { class: 'pane folders-pane', 'aria-label': t.folders }, [this.newButton, this.folderList]),
      h('section', { class: 'pane list-pane', 'aria-label': t.messages },
        [searchForm, this.alert, this.messageList, this.more, this.status]),
      this.reading,
    );
  }

  async start() {
    const who = await this.jmap.call([['Identity/get', { accountId: this.jmap.accountId, ids: null }, 'i']])
      .catch((e) => { report(e); return null; });
    this.identity = who?.i?.list?.[0] ?? null;
    this.newButton.disabled = !this.identity;
    await this.loadMailboxes();
    const inbox = this.mailboxes.find((m) => m.role === 'inbox') ?? this.mailboxes[0];
    if (inbox) {
      await this.openMailbox(inbox.id);
    }
    this.source = this.jmap.follow((states) => {
      if (states.Email && states.Email !== this.emailState) {
        this.changed().catch(report);
      } else if (states.Mailbox) {
        this.loadMailboxes().catch(report);
      }
    });
  }

  stop() {
    this.source?.close();
  }

  async loadMailboxes() {
    const r = await this.jmap.call([['Mailbox/get', { accountId: this.jmap.accountId, ids: null }, 'm']]);
    /** @type {Mailbox[]} */
    const list = r.m.list;
    list.sort((a, b) => (a.role === 'inbox' ? -1 : b.role === 'inbox' ? 1 : 0)
      || a.sortOrder - b.sortOrder || a.name.localeCompare(b.name));
    this.mailboxes = list;
    this.drawFolders();
  }

  drawFolders() {
    this.folderList.replaceChildren(...this.mailboxes.map((m) => {
      const unread = m.unreadEmails > 0
        ? h('span', { class: 'count', 'aria-label': t.unread(m.unreadEmails) }, [String(m.unreadEmails)])
        : null;
      return h('li', {}, [
        h('button', { type: 'button', class: 'folder', 'data-id': m.id, 'data-role': m.role ?? '',
          'aria-current': m.id === this.current ? 'true' : null,
          onclick: () => { this.openMailbox(m.id).catch(report); } },
        [h('span', { class: 'name' }, [m.name]), unread]),
      ]);
    }));
  }

  /** @param {string} id */
  async openMailbox(id) {
    this.current = id;
    this.search = null;
    for (const input of [this.searchInput, this.searchFrom, this.searchUntil]) {
      input.value = '';
    }
    this.searchAttached.checked = false;
    this.clearButton.hidden = true;
    this.selected = null;
    this.emails = [];
    this.drawFolders();
    if (!this.compose) {
      this.reading.replaceChildren(h('p', { class: 'placeholder' }, [t.nothingSelected]));
    }
    await this.loadPage(0, true);
  }

  /**
   * Shows the messages of every folder that match what the user typed and chose (search.js).
   * @param {string} text
   */
  async runSearch(text) {
    const options = { from: this.searchFrom.value, until: this.searchUntil.value,
      hasAttachment: this.searchAttached.checked };
    const filter = searchFilter(text, options);
    if (!filter) {
      await this.endSearch();
      return;
    }
    const said = [text.trim(), options.hasAttachment ? t.withAttachments : '',
      options.from ? t.since(options.from) : '', options.until ? t.until(options.until) : ''];
    this.search = { text: said.filter((w) => w).join(', '), filter };
    this.clearButton.hidden = false;
    this.selected = null;
    this.emails = [];
    await this.loadPage(0, true);
  }

  async endSearch() {
    if (this.current) {
      await this.openMailbox(this.current);
    }
  }

  /**
   * Reads `limit` messages from `position` of the current folder (Email/query + Email/get in
   * one request, the ids by result reference).
   * @param {number} position
   * @param {boolean} replace
   * @param {number} [limit]
   */
  async loadPage(position, replace, limit = PAGE) {
    const search = this.search;
    const mailbox = this.current;
    const filter = search ? search.filter : { inMailbox: mailbox };
    const r = await this.jmap.call([
      ['Email/query', { accountId: this.jmap.accountId, filter,
        sort: [{ property: 'receivedAt', isAscending: false }], position, limit, calculateTotal: true }, 'q'],
      ['Email/get', { accountId: this.jmap.accountId, properties: LIST_PROPERTIES,
        '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 'g'],
    ]);
    if (mailbox !== this.current || search !== this.search) {
      return;
    }
    /** @type {Email[]} */
    const got = r.g.list;
    const order = new Map(/** @type {string[]} */ (r.q.ids).map((id, i) => [id, i]));
    got.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    this.emailState = r.g.state;
    this.total = r.q.total ?? got.length;
    this.emails = replace ? got : this.emails.concat(got);
    this.drawList();
  }

  async loadMore() {
    await this.loadPage(this.emails.length, false);
  }

  drawList() {
    this.messageList.replaceChildren(...this.emails.map((e) => {
      const unread = !e.keywords.$seen;
      const flagged = Boolean(e.keywords.$flagged);
      const classes = ['message', unread ? 'unread' : '', flagged ? 'flagged' : '', e.hasAttachment ? 'attached' : '']
        .filter((c) => c).join(' ');
      return h('li', { role: 'option', class: classes, 'data-id': e.id,
        id: `message-${e.id}`,
        'aria-selected': e.id === this.selected ? 'true' : 'false',
        onclick: () => { this.open(e.id).catch(report); } }, [
        h('span', { class: 'from' }, [names(e.from)]),
        h('time', { datetime: e.receivedAt }, [when(e.receivedAt)]),
        h('span', { class: 'subject' }, [e.subject || t.noSubject]),
        h('span', { class: 'preview' }, [e.preview ?? '']),
        e.hasAttachment ? h('span', { class: 'has-attachment visually-hidden' }, [t.attachedMark]) : null,
        unread ? h('span', { class: 'visually-hidden' }, [t.unreadMark]) : null,
        flagged ? h('span', { class: 'visually-hidden' }, [t.flagged]) : null,
      ]);
    }));
    this.more.hidden = this.emails.length >= this.total;
    this.status.textContent = this.search ? t.results(this.total, this.search.text)
      : this.emails.length === 0 ? t.noMessages : '';
    this.markSelected();
  }

  /** The selected message, for the eye and for assistive technology. */
  markSelected() {
    for (const li of this.messageList.children) {
      li.setAttribute('aria-selected', li.getAttribute('data-id') === this.selected ? 'true' : 'false');
    }
    if (this.selected) {
      this.messageList.setAttribute('aria-activedescendant', `message-${this.selected}`);
    } else {
      this.messageList.removeAttribute('aria-activedescendant');
    }
  }

  /** @param {KeyboardEvent} e */
  onListKey(e) {
    const i = this.emails.findIndex((m) => m.id === this.selected);
    /** @type {number | null} */
    let next = null;
    if (e.key === 'ArrowDown' || e.key === 'j') {
      next = Math.min(i + 1, this.emails.length - 1);
    } else if (e.key === 'ArrowUp' || e.key === 'k') {
      next = Math.max(i - 1, 0);
    } else if ((e.key === 'Delete' || e.key === '#') && this.selected) {
      e.preventDefault();
      this.remove(this.selected).catch((err) => this.failed(err));
      return;
    } else if (e.key === 'Enter' && i >= 0) {
      this.reading.focus();
    } else if (!e.ctrlKey && !e.metaKey && !e.altKey) {
      const act = this.shortcut(e.key);
      if (act) {
        e.preventDefault();
        Promise.resolve(act()).catch((err) => this.failed(err));
        return;
      }
    }
    if (next !== null && next >= 0 && this.emails[next]) {
      e.preventDefault();
      this.open(this.emails[next].id).catch(report);
    }
  }

  /**
   * The message list's one-key commands: c compose, / search, and on the open message r reply,
   * a reply all, f forward, u read/unread, s flag.
   * @param {string} key
   * @returns {(() => Promise<void> | void) | null}
   */
  shortcut(key) {
    if (key === '/') {
      return () => this.searchInput.focus();
    }
    if (!this.identity && ['c', 'r', 'a', 'f'].includes(key)) {
      return null;
    }
    if (key === 'c') {
      return () => this.startCompose(blank());
    }
    const email = this.shown;
    if (!email || email.id !== this.selected) {
      return null;
    }
    const me = this.identity?.email ?? '';
    /** @type {Record<string, () => Promise<void> | void>} */
    const keys = {
      r: () => this.startCompose(reply(email, this.shownText, false, me)),
      a: () => this.startCompose(reply(email, this.shownText, true, me)),
      f: () => this.startCompose(forward(email, this.shownText)),
      u: () => this.setKeyword(email, '$seen', !email.keywords.$seen),
      s: () => this.setKeyword(email, '$flagged', !email.keywords.$flagged),
    };
    return keys[key] ?? null;
  }

  /**
   * Shows a message and marks it read.
   * @param {string} id
   * @param {boolean} [allowRemote]
   */
  async open(id, allowRemote = false) {
    this.alert.textContent = '';
    this.selected = id;
    this.markSelected();
    const r = await this.jmap.call([['Email/get', { accountId: this.jmap.accountId, ids: [id],
      properties: READ_PROPERTIES, fetchTextBodyValues: true, fetchHTMLBodyValues: true, maxBodyValueBytes: BODY_BYTES }, 'g']]);
    /** @type {Email | undefined} */
    const email = r.g.list[0];
    if (!email || this.selected !== id) {
      return;
    }
    const compose = this.compose;
    this.compose = null;
    compose?.close();
    this.drawMessage(email, allowRemote);
    if (!email.keywords.$seen) {
      await this.setKeyword(email, '$seen', true);
    }
  }

  /**
   * Email/set of the account; a change the server refused (notUpdated, notDestroyed) is thrown
   * with its reason.
   * @param {Record<string, unknown>} args
   */
  async setEmails(args) {
    const r = await this.jmap.call([['Email/set', { accountId: this.jmap.accountId, ...args }, 's']]);
    /** @type {Record<string, { type: string, description?: string }>[]} */
    const refused = [r.s.notUpdated ?? {}, r.s.notDestroyed ?? {}];
    const first = refused.flatMap((m) => Object.values(m))[0];
    if (first) {
      throw new Error(first.description ?? first.type);
    }
  }

  /**
   * Sets or clears a keyword of a message (read, flagged) and shows it.
   * @param {Email} email
   * @param {string} keyword
   * @param {boolean} on
   */
  async setKeyword(email, keyword, on) {
    await this.setEmails({ update: { [email.id]: { [`keywords/${keyword}`]: on ? true : null } } });
    for (const m of [email, this.emails.find((e) => e.id === email.id)]) {
      if (m) {
        const keywords = { ...m.keywords, [keyword]: true };
        if (!on) {
          delete keywords[keyword];
        }
        m.keywords = keywords;
      }
    }
    this.drawList();
    if (this.shown?.id === email.id) {
      this.shown.keywords = email.keywords;
      this.drawActions();
    }
    if (keyword === '$seen') {
      await this.loadMailboxes();
    }
  }

  /**
   * @param {Email} email
   * @param {boolean} allowRemote
   */
  drawMessage(email, allowRemote) {
    const body = messageBody(this.jmap, email, allowRemote, () => { this.open(email.id, true).catch(report); });
    this.shown = email;
    this.shownText = bodyText(email);
    // Filled when the message is an invitation (invitation.js).
    const invitation = h('div', { class: 'invitation-slot' });
    this.actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': t.reading });
    this.drawActions();
    this.reading.replaceChildren(
      h('header', {}, [
        h('h2', { class: 'subject' }, [email.subject || t.noSubject]),
        h('p', {}, [h('span', { class: 'label' }, [t.from, ': ']), names(email.from)]),
        h('p', {}, [h('span', { class: 'label' }, [t.to, ': ']), names(email.to)]),
        h('p', {}, [h('span', { class: 'label' }, [t.date, ': ']),
          h('time', { datetime: email.receivedAt }, [new Date(email.receivedAt).toLocaleString()])]),
        this.actions,
      ]),
      invitation,
      ...body,
    );
    showInvitation(this.jmap, email.id, invitation).catch(report);
  }

  /** The shown message's buttons: reply, reply all, forward, read, flag, move, delete. */
  drawActions() {
    const email = this.shown;
    if (!email || !this.actions) {
      return;
    }
    const button = (/** @type {string} */ cls, /** @type {string} */ label, /** @type {() => Promise<void> | void} */ act,
      /** @type {boolean} */ disabled = false) =>
      h('button', { type: 'button', class: cls, disabled,
        onclick: () => { Promise.resolve(act()).catch((e) => this.failed(e)); } }, [label]);
    const me = this.identity?.email ?? '';
    const seen = Boolean(email.keywords.$seen);
    const flagged = Boolean(email.keywords.$flagged);
    const here = Object.keys(email.mailboxIds);
    const move = h('select', { class: 'move', 'aria-label': t.moveTo,
      onchange: () => { this.move(email.id, move.value).catch((e) => this.failed(e)); } }, [
      h('option', { value: '' }, [t.moveTo]),
      ...this.mailboxes.filter((m) => !here.includes(m.id)).map((m) => h('option', { value: m.id }, [m.name])),
    ]);
    const editable = Boolean(email.keywords.$draft);
    this.actions.replaceChildren(
      ...(editable ? [button('edit', t.edit, () => this.startCompose(resume(email, this.shownText), email.id),
        !this.identity)] : []),
      button('reply', t.reply, () => this.startCompose(reply(email, this.shownText, false, me)), !this.identity),
      button('reply-all', t.replyAll, () => this.startCompose(reply(email, this.shownText, true, me)), !this.identity),
      button('forward', t.forward, () => this.startCompose(forward(email, this.shownText)), !this.identity),
      button('toggle-seen', seen ? t.markUnread : t.markRead, () => this.setKeyword(email, '$seen', !seen)),
      button('toggle-flag', flagged ? t.unflag : t.flag, () => this.setKeyword(email, '$flagged', !flagged)),
      move,
      button('delete', t.delete, () => this.remove(email.id)),
    );
  }

  /**
   * A failed action, told to the user.
   * @param {unknown} e
   */
  failed(e) {
    report(e);
    this.alert.textContent = `${t.failed} ${e instanceof Error ? e.message : String(e)}`;
  }

  /**
   * Opens the compose form in the reading pane.
   * @param {import('./draft.js').Draft} draft
   * @param {string | null} [savedId] the draft in Drafts it goes on with
   */
  startCompose(draft, savedId = null) {
    const drafts = this.mailboxes.find((m) => m.role === 'drafts')?.id ?? null;
    const sent = this.mailboxes.find((m) => m.role === 'sent')?.id ?? null;
    if (!this.identity) {
      return;
    }
    this.compose?.close();
    const compose = new Compose(this.jmap, { drafts, sent, identity: this.identity }, draft, (outcome) => {
      if (this.compose === compose) {
        this.compose = null;
      }
      // Still on screen (not replaced by a message or another form): say what became of it.
      if (this.reading.contains(compose.element)) {
        this.shown = null;
        const said = { sent: t.sent, kept: t.draftKept, discarded: t.discarded, closed: t.nothingSelected }[outcome];
        this.reading.replaceChildren(h('p', { class: 'placeholder', role: 'status' }, [said]));
      }
      this.changed().catch(report);
    }, savedId);
    this.compose = compose;
    this.selected = null;
    this.markSelected();
    this.reading.replaceChildren(compose.element);
    compose.focus();
  }

  /**
   * Moves a message to another folder (out of every folder it was in).
   * @param {string} id
   * @param {string} target
   */
  async move(id, target) {
    const to = this.mailboxes.find((m) => m.id === target);
    if (!to) {
      return;
    }
    await this.setEmails({ update: { [id]: { mailboxIds: { [target]: true } } } });
    this.gone(id, t.moved(to.name));
    await this.loadMailboxes();
  }

  /**
   * A message left this list (moved or deleted): the list and the reading pane say so.
   * @param {string} id
   * @param {string} text
   */
  gone(id, text) {
    this.emails = this.emails.filter((m) => m.id !== id);
    this.total = Math.max(0, this.total - 1);
    this.selected = null;
    this.shown = null;
    this.reading.replaceChildren(h('p', { class: 'placeholder', role: 'status' }, [text]));
    this.drawList();
  }

  /**
   * Moves a message to Trash (or, in Trash, destroys it).
   * @param {string} id
   */
  async remove(id) {
    const trash = this.mailboxes.find((m) => m.role === 'trash');
    const inTrash = trash && (this.shown?.id === id ? this.shown.mailboxIds[trash.id] : trash.id === this.current);
    const update = trash && !inTrash
      ? { update: { [id]: { mailboxIds: { [trash.id]: true } } } }
      : { destroy: [id] };
    await this.setEmails(update);
    const i = this.emails.findIndex((m) => m.id === id);
    this.gone(id, t.deleted);
    await this.loadMailboxes();
    const next = this.emails[Math.min(i, this.emails.length - 1)];
    if (next) {
      this.messageList.focus();
    }
  }

  /** The account's mail changed (push): asks what changed since our state, then redraws. */
  async changed() {
    if (this.emailState) {
      const r = await this.jmap.call([['Email/changes', { accountId: this.jmap.accountId,
        sinceState: this.emailState }, 'c']]).catch(() => null);
      const c = r?.c;
      if (c && c.created.length + c.updated.length + c.destroyed.length === 0) {
        this.emailState = c.newState;
        return;
      }
    }
    await this.loadMailboxes();
    await this.loadPage(0, true, Math.max(PAGE, this.emails.length));
  }
}
