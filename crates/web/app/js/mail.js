// Mail on JMAP (RFC 8621): folders with unread counts, a folder's messages newest first in a
// list that draws only the rows in view (messagelist.js), with threads collapsed or not (the
// choice kept in localStorage) and the open message's conversation above it (conversation.js),
// search in all folders (Email/query from/to/subject/text, received dates, hasAttachment), the
// reading pane (reading.js; marked read on open), read/unread, flag, move to a folder (or
// dragged onto it), delete to Trash — of the open message or of every selected one —, compose,
// reply, reply all and forward (compose.js), keyboard shortcuts (shortcuts.js, `?` lists them),
// and new mail without reload (EventSource → Email/changes → the list and counts read again).

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { messageBody, bodyText, bodyHtml } from './reading.js';
import { Unauthorized } from './api.js';
import { Compose } from './compose.js';
import { sendBar } from './sendbar.js';
import { storedHold } from './undo.js';
import { blank, reply, forward, resume } from './draft.js';
import { searchFilter } from './search.js';
import { showInvitation } from './invitation.js';
import { MessageList, DRAG_TYPE, names } from './messagelist.js';
import { conversation } from './conversation.js';
import { SHORTCUTS, actionOf } from './shortcuts.js';
import { Panes, namePanes } from './panes.js';
import { chunks } from './batches.js';
import { folderTree } from './folders.js';
import { isInJunk, reportJunk } from './junk.js';

/** Where the threads choice is kept. */
const THREADS_KEY = 'relais.threads';
const BODY_BYTES = 1024 * 1024;
const READ_PROPERTIES = ['id', 'threadId', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt', 'receivedAt',
  'messageId', 'inReplyTo', 'references', 'keywords', 'mailboxIds', 'textBody', 'htmlBody', 'bodyValues',
  'attachments'];
const t = strings.mail;
const l = strings.list;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, role: string | null, parentId: string | null,
 *   sortOrder: number, unreadEmails: number, totalEmails: number }} Mailbox
 * @typedef {{ name: string | null, email: string }} Address
 * @typedef {{ partId: string, type: string }} BodyPart
 * @typedef {{ id: string, threadId?: string, from: Address[] | null, to?: Address[] | null, cc?: Address[] | null,
 *   bcc?: Address[] | null, replyTo?: Address[] | null, subject: string | null, sentAt?: string | null,
 *   messageId?: string[] | null, inReplyTo?: string[] | null, references?: string[] | null,
 *   receivedAt: string, preview?: string, keywords: Record<string, boolean>,
 *   mailboxIds: Record<string, boolean>, textBody?: BodyPart[], htmlBody?: BodyPart[],
 *   bodyValues?: Record<string, { value: string }>, hasAttachment?: boolean,
 *   attachments?: import('./files.js').Part[] | null }} Email
 * @typedef {import('./compose.js').Identity} Identity
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

/**
 * Whether threads are shown collapsed (kept per browser; off until chosen).
 * @returns {boolean}
 */
function threadsOn() {
  try {
    return window.localStorage.getItem(THREADS_KEY) === 'on';
  } catch {
    return false;
  }
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
    /** @type {{ mailbox: Mailbox, depth: number, parent: string | null }[]} */
    this.tree = [];
    /** @type {string | null} */
    this.current = null;
    this.list = new MessageList(jmap, { open: (id) => { this.open(id).catch(report); }, selected: () => this.drawBulk() });
    /** @type {string | null} */
    this.selected = null;
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
    this.messageList = this.list.list;
    this.messageList.addEventListener('keydown', (e) => { this.list.onKey(e); });
    this.keys = (/** @type {KeyboardEvent} */ e) => this.onKey(e);
    this.threads = h('input', { type: 'checkbox', id: 'threads', checked: threadsOn(),
      onchange: () => { this.setThreads(this.threads.checked).catch(report); } });
    this.bulk = h('div', { class: 'bulk', role: 'toolbar', 'aria-label': l.bulk });
    /** The bars of messages being sent, which Undo takes back (sendbar.js). */
    this.sending = h('div', { class: 'send-bars' });
    this.help = h('dialog', { class: 'shortcuts', 'aria-labelledby': 'shortcuts-title' });
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
    const nav = h('nav', { class: 'pane folders-pane', 'aria-label': t.folders }, [this.newButton, this.folderList]);
    const listPane = h('section', { class: 'pane list-pane', 'aria-label': t.messages }, [searchForm,
      h('div', { class: 'list-tools' }, [h('label', { class: 'check' }, [this.threads, l.threads]), this.bulk]),
      this.alert, this.list.scroller, this.status]);
    namePanes({ nav, list: listPane, detail: this.reading });
    root.replaceChildren(nav, listPane, this.reading, this.help, this.sending);
    // On a phone: the folder's list first, a message or the compose form alone (panes.js).
    this.panes = new Panes(root, 'list');
    this.drawBulk();
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
    document.addEventListener('keydown', this.keys);
    this.source = this.jmap.follow((states) => {
      if (states.Email && states.Email !== this.list.emailState) {
        this.changed().catch(report);
      } else if (states.Mailbox) {
        this.loadMailboxes().catch(report);
      }
    });
  }

  stop() {
    this.source?.close();
    document.removeEventListener('keydown', this.keys);
  }

  async loadMailboxes() {
    const r = await this.jmap.call([['Mailbox/get', { accountId: this.jmap.accountId, ids: null }, 'm']]);
    // Each folder after its parent (Inbox first), with its depth (folders.js).
    this.tree = folderTree(/** @type {Mailbox[]} */ (r.m.list));
    this.mailboxes = this.tree.map((n) => n.mailbox);
    this.drawFolders();
  }

  drawFolders() {
    this.folderList.replaceChildren(...this.tree.map(({ mailbox: m, depth, parent }) => {
      const unread = m.unreadEmails > 0
        ? h('span', { class: 'count', 'aria-label': t.unread(m.unreadEmails) }, [String(m.unreadEmails)])
        : null;
      return h('li', {}, [
        h('button', { type: 'button', class: 'folder', 'data-id': m.id, 'data-role': m.role ?? '', 'data-depth': depth,
          'aria-current': m.id === this.current ? 'true' : null,
          onclick: () => { this.openMailbox(m.id).catch(report); },
          ondragover: (e) => this.dragOver(/** @type {DragEvent} */ (e), m.id),
          ondragleave: (e) => /** @type {HTMLElement} */ (e.currentTarget).classList.remove('drop'),
          ondrop: (e) => this.dropOn(/** @type {DragEvent} */ (e), m.id) },
        [h('span', { class: 'name' }, [m.name]), parent === null ? null
          : h('span', { class: 'visually-hidden' }, [` ${t.inFolder(parent)}`]), unread]),
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
    this.list.shown = null;
    this.drawFolders();
    this.panes.show('list');
    if (!this.compose) {
      this.reading.replaceChildren(h('p', { class: 'placeholder' }, [t.nothingSelected]));
    }
    await this.showList();
  }

  /** The list of the folder or the search, from the top. */
  async showList() {
    const filter = this.search ? this.search.filter : { inMailbox: this.current };
    await this.list.show({ filter, collapse: this.threads.checked });
    this.drawStatus();
    this.drawBulk();
  }

  /**
   * Threads collapsed or not: kept for the next time, and the list shown again.
   * @param {boolean} on
   */
  async setThreads(on) {
    try {
      window.localStorage.setItem(THREADS_KEY, on ? 'on' : 'off');
    } catch {
      // Storage refused (private mode): the choice holds until the page is left.
    }
    await this.showList();
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
    await this.showList();
  }

  async endSearch() {
    if (this.current) {
      await this.openMailbox(this.current);
    }
  }

  /** Under the list: the search's count, or that the folder is empty. */
  drawStatus() {
    const total = this.list.total;
    this.status.textContent = this.search ? t.results(total, this.search.text) : total === 0 ? t.noMessages : '';
  }

  /** The selected messages and the open one, for the eye and for assistive technology. */
  markSelected() {
    this.list.shown = this.selected;
    this.list.draw();
  }

  /**
   * The toolbar of the selected messages: select all in view, and — when more than the open
   * message is selected — read, unread, flag, unflag, move and delete them all.
   */
  drawBulk() {
    const chosen = this.list.selection;
    const all = h('input', { type: 'checkbox', class: 'select-view', 'aria-label': l.selectInView,
      checked: chosen.size > 0 && this.list.inView().every((id) => chosen.has(id)),
      onchange: () => this.list.selectInView() });
    const many = chosen.size > 1 || (chosen.size === 1 && !chosen.has(this.selected ?? ''));
    if (!many) {
      this.bulk.replaceChildren(all);
      return;
    }
    const act = (/** @type {string} */ cls, /** @type {string} */ label, /** @type {() => Promise<void>} */ run) =>
      h('button', { type: 'button', class: cls, onclick: () => { run().catch((e) => this.failed(e)); } }, [label]);
    const move = h('select', { class: 'move', 'aria-label': t.moveTo,
      onchange: () => { this.moveMany(this.list.chosen(), move.value).catch((e) => this.failed(e)); } }, [
      h('option', { value: '' }, [t.moveTo]),
      ...this.mailboxes.filter((m) => m.id !== this.current).map((m) => h('option', { value: m.id }, [m.name])),
    ]);
    const inJunk = this.mailboxes.find((m) => m.id === this.current)?.role === 'junk';
    this.bulk.replaceChildren(all, h('span', { class: 'count', role: 'status' }, [l.selected(chosen.size)]),
      act('bulk-read', l.markRead, () => this.keywordMany('$seen', true)),
      act('bulk-unread', l.markUnread, () => this.keywordMany('$seen', false)),
      act('bulk-flag', l.flag, () => this.keywordMany('$flagged', true)),
      act('bulk-unflag', l.unflag, () => this.keywordMany('$flagged', false)),
      move,
      act('bulk-junk', inJunk ? t.notJunk : t.junk, () => reportJunk(this, this.list.chosen(), !inJunk, t)),
      act('bulk-delete', l.delete, () => this.removeMany(this.list.chosen())));
  }

  /**
   * Sets or clears a keyword of every chosen message, a request per SET_CHUNK of them.
   * @param {string} keyword
   * @param {boolean} on
   */
  async keywordMany(keyword, on) {
    const ids = this.list.chosen();
    const patch = { [`keywords/${keyword}`]: on ? true : null };
    for (const part of chunks(ids)) {
      await this.setEmails({ update: Object.fromEntries(part.map((id) => [id, patch])) });
    }
    for (const id of ids) {
      const e = this.list.results.emails.get(id);
      if (e) {
        e.keywords = { ...e.keywords, [keyword]: true };
        if (!on) {
          delete e.keywords[keyword];
        }
        if (this.shown?.id === id) {
          this.shown.keywords = e.keywords;
          this.drawActions();
        }
      }
    }
    this.list.draw();
    if (keyword === '$seen') {
      await this.loadMailboxes();
    }
  }

  /**
   * Moves messages to a folder (out of every folder they were in).
   * @param {string[]} ids
   * @param {string} target
   */
  async moveMany(ids, target) {
    const to = this.mailboxes.find((m) => m.id === target);
    if (!to || ids.length === 0) {
      return;
    }
    for (const part of chunks(ids)) {
      await this.setEmails({ update: Object.fromEntries(part.map((id) => [id, { mailboxIds: { [target]: true } }])) });
    }
    await this.left(ids, ids.length === 1 ? t.moved(to.name) : l.movedMany(ids.length, to.name));
  }

  /**
   * Moves messages to Trash; those in Trash already are destroyed.
   * @param {string[]} ids
   */
  async removeMany(ids) {
    const trash = this.mailboxes.find((m) => m.role === 'trash');
    const inTrash = (/** @type {string} */ id) => {
      const e = this.shown?.id === id ? this.shown : this.list.results.emails.get(id);
      return Boolean(trash && (e ? e.mailboxIds[trash.id] : trash.id === this.current));
    };
    const destroy = trash ? ids.filter(inTrash) : ids;
    const move = ids.filter((id) => !destroy.includes(id));
    for (const part of chunks(destroy)) {
      await this.setEmails({ destroy: part });
    }
    for (const part of chunks(move)) {
      await this.setEmails({ update: Object.fromEntries(part.map((id) => [id, { mailboxIds: { [trash?.id ?? '']: true } }])) });
    }
    await this.left(ids, ids.length === 1 ? t.deleted : l.deletedMany(ids.length));
  }

  /**
   * Messages left this list (moved or deleted): the list is read again where it was, the reading
   * pane says so when it showed one of them, and the counts are read again.
   * @param {string[]} ids
   * @param {string} text
   */
  async left(ids, text) {
    const next = this.list.cursor;
    this.list.selection.clear();
    if (this.shown && ids.includes(this.shown.id) || this.selected && ids.includes(this.selected)) {
      this.selected = null;
      this.shown = null;
      this.list.shown = null;
      this.reading.replaceChildren(h('p', { class: 'placeholder', role: 'status' }, [text]));
      this.panes.show('list');
    } else {
      this.status.textContent = text;
    }
    await this.list.reread();
    this.list.cursor = Math.min(next, this.list.total - 1);
    this.list.draw();
    this.drawBulk();
    await this.loadMailboxes();
    if (this.list.total > 0) {
      this.messageList.focus();
    }
  }

  /**
   * Rows dragged over a folder: it takes them (not the folder they are in).
   * @param {DragEvent} e
   * @param {string} id
   */
  dragOver(e, id) {
    if (id !== this.current && e.dataTransfer?.types.includes(DRAG_TYPE)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      /** @type {HTMLElement} */ (e.currentTarget).classList.add('drop');
    }
  }

  /**
   * Rows dropped on a folder: moved there.
   * @param {DragEvent} e
   * @param {string} id
   */
  dropOn(e, id) {
    /** @type {HTMLElement} */ (e.currentTarget).classList.remove('drop');
    const data = e.dataTransfer?.getData(DRAG_TYPE);
    if (!data || id === this.current) {
      return;
    }
    e.preventDefault();
    /** @type {unknown} */
    let ids = null;
    try {
      ids = JSON.parse(data);
    } catch {
      return;
    }
    if (Array.isArray(ids) && ids.length <= 5000 && ids.every((x) => typeof x === 'string')) {
      this.moveMany(/** @type {string[]} */ (ids), id).catch((err) => this.failed(err));
    }
  }

  /**
   * A key pressed anywhere in the mail view (shortcuts.js), but in a field.
   * @param {KeyboardEvent} e
   */
  onKey(e) {
    if (!this.reading.isConnected || e.defaultPrevented || (e.shiftKey && e.key.startsWith('Arrow'))) {
      return;
    }
    // The compose form's keys are its own, on its buttons too (a letter must not start another).
    if (this.compose && e.target instanceof Node && this.compose.element.contains(e.target)) {
      return;
    }
    const action = actionOf({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey,
      target: /** @type {HTMLElement | null} */ (e.target) });
    if (!action || (this.help.open && action !== 'help')) {
      return;
    }
    const run = this.action(action);
    if (run) {
      e.preventDefault();
      Promise.resolve(run()).catch((err) => this.failed(err));
    }
  }

  /**
   * What a shortcut does now, or null when it does nothing (no message open, no identity to
   * write from).
   * @param {import('./shortcuts.js').Action} action
   * @returns {(() => Promise<void> | void) | null}
   */
  action(action) {
    const move = (/** @type {number} */ by) => async () => {
      const id = await this.list.step(by);
      if (id) {
        this.messageList.focus();
        await this.open(id);
      }
    };
    /** @type {Partial<Record<import('./shortcuts.js').Action, () => Promise<void> | void>>} */
    const always = {
      next: move(1),
      previous: move(-1),
      search: () => this.searchInput.focus(),
      help: () => this.showHelp(),
      select: () => this.list.toggleCursor(),
      close: () => { this.list.selection.clear(); this.list.draw(); this.drawBulk(); },
      open: () => {
        const id = this.list.idAt(this.list.cursor);
        return id ? this.open(id).then(() => this.reading.focus()) : undefined;
      },
    };
    const now = always[action];
    if (now) {
      return now;
    }
    const chosen = this.list.chosen();
    const many = chosen.length > 1 || (chosen.length === 1 && chosen[0] !== this.shown?.id);
    if (many && (action === 'delete' || action === 'unread' || action === 'flag')) {
      const emails = chosen.map((id) => this.list.results.emails.get(id));
      const every = (/** @type {string} */ k) => emails.every((m) => m?.keywords[k]);
      return action === 'delete' ? () => this.removeMany(chosen)
        : action === 'unread' ? () => this.keywordMany('$seen', !every('$seen'))
          : () => this.keywordMany('$flagged', !every('$flagged'));
    }
    return this.shortcut(action);
  }

  /**
   * The one-key commands on the open message (r, a, f, u, s, Delete) and c, compose.
   * @param {import('./shortcuts.js').Action} action
   * @returns {(() => Promise<void> | void) | null}
   */
  shortcut(action) {
    if (!this.identity && ['compose', 'reply', 'replyAll', 'forward'].includes(action)) {
      return null;
    }
    if (action === 'compose') {
      return () => this.startCompose(blank());
    }
    const email = this.shown;
    if (!email || email.id !== this.selected) {
      return null;
    }
    const me = this.identity?.email ?? '';
    /** @type {Partial<Record<import('./shortcuts.js').Action, () => Promise<void> | void>>} */
    const keys = {
      reply: () => this.startCompose(reply(email, this.shownText, false, me, this.quotable())),
      replyAll: () => this.startCompose(reply(email, this.shownText, true, me, this.quotable())),
      forward: () => this.startCompose(forward(email, this.shownText, this.quotable())),
      unread: () => this.setKeyword(email, '$seen', !email.keywords.$seen),
      flag: () => this.setKeyword(email, '$flagged', !email.keywords.$flagged),
      delete: () => this.remove(email.id),
    };
    return keys[action] ?? null;
  }

  /** The shortcuts, listed in a dialog (Escape or its button closes it). */
  showHelp() {
    if (this.help.open) {
      this.help.close();
      return;
    }
    const shown = /** @type {Record<string, string>} */ ({ ArrowDown: '↓', ArrowUp: '↑' });
    this.help.replaceChildren(
      h('h2', { id: 'shortcuts-title' }, [l.shortcuts]),
      h('dl', {}, SHORTCUTS.flatMap(([action, keys]) => [
        h('dt', {}, keys.flatMap((k, i) => [i > 0 ? ' ' : '', h('kbd', {}, [shown[k] ?? k])])),
        h('dd', {}, [l.keys[action]]),
      ])),
      h('button', { type: 'button', onclick: () => this.help.close() }, [l.close]),
    );
    this.help.showModal();
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
    this.drawBulk();
    this.panes.show('detail');
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
    for (const m of [email, this.list.results.emails.get(email.id)]) {
      if (m) {
        const keywords = { ...m.keywords, [keyword]: true };
        if (!on) {
          delete keywords[keyword];
        }
        m.keywords = keywords;
      }
    }
    this.list.draw();
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
    // Filled with its conversation when threads are on and it has one (conversation.js).
    const thread = h('div', { class: 'conversation-slot' });
    this.actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': t.reading });
    this.drawActions();
    this.reading.replaceChildren(
      h('header', {}, [
        h('h2', { class: 'subject' }, [email.subject || t.noSubject]),
        h('p', {}, [h('span', { class: 'label' }, [t.from, ': ']), names(email.from)]),
        h('p', {}, [h('span', { class: 'label' }, [t.to, ': ']), names(email.to)]),
        h('p', {}, [h('span', { class: 'label' }, [t.date, ': ']),
          h('time', { datetime: email.receivedAt }, [new Date(email.receivedAt).toLocaleString(locale)])]),
        this.actions,
      ]),
      thread,
      invitation,
      ...body,
    );
    showInvitation(this.jmap, email.id, invitation).catch(report);
    if (this.threads.checked && email.threadId) {
      conversation(this.jmap, email.threadId, email.id, (id) => { this.open(id).catch(report); })
        .then((list) => { if (list && this.shown === email) { thread.replaceChildren(list); } }, report);
    }
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
    const text = this.shownText;
    const write = (/** @type {() => import('./draft.js').Draft} */ draft, /** @type {string | null} */ savedId = null) =>
      () => this.startCompose(draft(), savedId);
    this.actions.replaceChildren(
      ...(editable ? [button('edit', t.edit, write(() => resume(email, text, this.quotable()), email.id),
        !this.identity)] : []),
      button('reply', t.reply, write(() => reply(email, text, false, me, this.quotable())), !this.identity),
      button('reply-all', t.replyAll, write(() => reply(email, text, true, me, this.quotable())), !this.identity),
      button('forward', t.forward, write(() => forward(email, text, this.quotable())), !this.identity),
      button('toggle-seen', seen ? t.markUnread : t.markRead, () => this.setKeyword(email, '$seen', !seen)),
      button('toggle-flag', flagged ? t.unflag : t.flag, () => this.setKeyword(email, '$flagged', !flagged)),
      move,
      isInJunk(this.mailboxes, email.mailboxIds) ? button('not-junk', t.notJunk, () => reportJunk(this, [email.id], false, t))
        : button('junk', t.junk, () => reportJunk(this, [email.id], true, t)),
      button('delete', t.delete, () => this.remove(email.id)),
    );
  }

  /** The shown message's HTML, cleaned, for a reply's or a forward's quote (null without HTML). */
  quotable() {
    return this.shown ? bodyHtml(this.shown) : null;
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
    const hold = storedHold();
    const compose = new Compose(this.jmap, { drafts, sent, identity: this.identity, hold }, draft, (outcome) => {
      if (this.compose === compose) {
        this.compose = null;
      }
      const held = compose.held;
      if (outcome === 'held' && held) {
        // Undo: the form again, with the message (back in Drafts) as its saved draft.
        this.sending.append(sendBar(this.jmap, held, () => this.startCompose(compose.snapshot(), held.emailId)));
      }
      // Still on screen (not replaced by a message or another form): say what became of it.
      if (this.reading.contains(compose.element)) {
        this.shown = null;
        const said = { sent: t.sent, held: strings.compose.sending, kept: t.draftKept, discarded: t.discarded,
          closed: t.nothingSelected }[outcome];
        this.reading.replaceChildren(h('p', { class: 'placeholder', role: 'status' }, [said]));
        this.panes.show('list');
      }
      this.changed().catch(report);
    }, savedId);
    this.compose = compose;
    // No message selected: the keyboard starts again from the top (j opens the first).
    this.selected = null;
    this.list.cursor = -1;
    this.list.selection.clear();
    this.markSelected();
    this.drawBulk();
    this.panes.show('detail');
    this.reading.replaceChildren(compose.element);
    compose.focus();
  }

  /**
   * Moves a message to another folder (out of every folder it was in).
   * @param {string} id
   * @param {string} target
   */
  async move(id, target) {
    await this.moveMany([id], target);
  }

  /**
   * Moves a message to Trash (or, in Trash, destroys it).
   * @param {string} id
   */
  async remove(id) {
    await this.removeMany([id]);
  }

  /** The account's mail changed (push): asks what changed since our state, then redraws. */
  async changed() {
    const since = this.list.emailState;
    if (since) {
      const r = await this.jmap.call([['Email/changes', { accountId: this.jmap.accountId,
        sinceState: since }, 'c']]).catch(() => null);
      const c = r?.c;
      if (c && c.created.length + c.updated.length + c.destroyed.length === 0) {
        this.list.emailState = c.newState;
        return;
      }
    }
    await this.loadMailboxes();
    await this.list.reread();
    this.drawStatus();
    this.drawBulk();
  }
}
