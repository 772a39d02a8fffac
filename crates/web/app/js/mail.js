// Mail on JMAP (RFC 8621): folders with unread counts, a folder's messages newest first (pages
// of PAGE), the reading pane (marked read on open), delete to Trash, and new mail without
// reload (EventSource → Email/changes → the list and counts read again).

import { h } from './dom.js';
import { strings } from './strings.js';
import { sanitize } from './sanitize.js';
import { Unauthorized } from './api.js';

const PAGE = 50;
const LIST_PROPERTIES = ['id', 'threadId', 'mailboxIds', 'from', 'subject', 'receivedAt', 'preview', 'keywords'];
const BODY_BYTES = 1024 * 1024;
const t = strings.mail;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, role: string | null, parentId: string | null,
 *   sortOrder: number, unreadEmails: number, totalEmails: number }} Mailbox
 * @typedef {{ name: string | null, email: string }} Address
 * @typedef {{ partId: string, type: string }} BodyPart
 * @typedef {{ id: string, from: Address[] | null, to?: Address[] | null, subject: string | null,
 *   receivedAt: string, preview?: string, keywords: Record<string, boolean>,
 *   mailboxIds: Record<string, boolean>, textBody?: BodyPart[], htmlBody?: BodyPart[],
 *   bodyValues?: Record<string, { value: string }> }} Email
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
    this.folderList = h('ul', { class: 'folders', 'aria-label': t.folders });
    this.messageList = h('ul', { class: 'messages', role: 'listbox', 'aria-label': t.messages, tabindex: '0',
      onkeydown: (e) => this.onListKey(/** @type {KeyboardEvent} */ (e)) });
    this.more = h('button', { type: 'button', class: 'more', hidden: true, onclick: () => this.loadMore() }, [t.loadMore]);
    this.reading = h('article', { class: 'reading', 'aria-label': t.reading, tabindex: '-1' }, [
      h('p', { class: 'placeholder' }, [t.nothingSelected]),
    ]);
    this.status = h('p', { class: 'status', role: 'status' });
    root.replaceChildren(
      h('nav', { class: 'pane folders-pane', 'aria-label': t.folders }, [this.folderList]),
      h('section', { class: 'pane list-pane', 'aria-label': t.messages }, [this.messageList, this.more, this.status]),
      this.reading,
    );
  }

  async start() {
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
    this.selected = null;
    this.emails = [];
    this.drawFolders();
    this.reading.replaceChildren(h('p', { class: 'placeholder' }, [t.nothingSelected]));
    await this.loadPage(0, true);
  }

  /**
   * Reads `limit` messages from `position` of the current folder (Email/query + Email/get in
   * one request, the ids by result reference).
   * @param {number} position
   * @param {boolean} replace
   * @param {number} [limit]
   */
  async loadPage(position, replace, limit = PAGE) {
    const mailbox = this.current;
    const r = await this.jmap.call([
      ['Email/query', { accountId: this.jmap.accountId, filter: { inMailbox: mailbox },
        sort: [{ property: 'receivedAt', isAscending: false }], position, limit, calculateTotal: true }, 'q'],
      ['Email/get', { accountId: this.jmap.accountId, properties: LIST_PROPERTIES,
        '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 'g'],
    ]);
    if (mailbox !== this.current) {
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
      return h('li', { role: 'option', class: unread ? 'message unread' : 'message', 'data-id': e.id,
        id: `message-${e.id}`,
        'aria-selected': e.id === this.selected ? 'true' : 'false',
        onclick: () => { this.open(e.id).catch(report); } }, [
        h('span', { class: 'from' }, [names(e.from)]),
        h('time', { datetime: e.receivedAt }, [when(e.receivedAt)]),
        h('span', { class: 'subject' }, [e.subject || t.noSubject]),
        h('span', { class: 'preview' }, [e.preview ?? '']),
        unread ? h('span', { class: 'visually-hidden' }, [t.unreadMark]) : null,
      ]);
    }));
    this.more.hidden = this.emails.length >= this.total;
    this.status.textContent = this.emails.length === 0 ? t.noMessages : '';
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
      this.remove(this.selected).catch(report);
      return;
    } else if (e.key === 'Enter' && i >= 0) {
      this.reading.focus();
    }
    if (next !== null && next >= 0 && this.emails[next]) {
      e.preventDefault();
      this.open(this.emails[next].id).catch(report);
    }
  }

  /**
   * Shows a message and marks it read.
   * @param {string} id
   * @param {boolean} [allowRemote]
   */
  async open(id, allowRemote = false) {
    this.selected = id;
    this.markSelected();
    const r = await this.jmap.call([['Email/get', { accountId: this.jmap.accountId, ids: [id],
      properties: ['id', 'from', 'to', 'cc', 'subject', 'receivedAt', 'keywords', 'mailboxIds', 'textBody', 'htmlBody', 'bodyValues'],
      fetchTextBodyValues: true, fetchHTMLBodyValues: true, maxBodyValueBytes: BODY_BYTES }, 'g']]);
    /** @type {Email | undefined} */
    const email = r.g.list[0];
    if (!email || this.selected !== id) {
      return;
    }
    this.drawMessage(email, allowRemote);
    if (!email.keywords.$seen) {
      await this.jmap.call([['Email/set', { accountId: this.jmap.accountId,
        update: { [id]: { 'keywords/$seen': true } } }, 's']]);
      const listed = this.emails.find((m) => m.id === id);
      if (listed) {
        listed.keywords = { ...listed.keywords, $seen: true };
        this.drawList();
      }
      await this.loadMailboxes();
    }
  }

  /**
   * @param {Email} email
   * @param {boolean} allowRemote
   */
  drawMessage(email, allowRemote) {
    const html = (email.htmlBody ?? []).find((p) => p.type === 'text/html');
    const values = email.bodyValues ?? {};
    /** @type {HTMLElement} */
    let body;
    /** @type {HTMLElement | null} */
    let notice = null;
    if (html && values[html.partId]) {
      const clean = sanitize(values[html.partId].value, allowRemote);
      body = frame(clean, allowRemote);
      if (clean.remote && !allowRemote) {
        notice = h('p', { class: 'notice', role: 'note' }, [t.remoteBlocked, ' ',
          h('button', { type: 'button', class: 'show-remote',
            onclick: () => { this.open(email.id, true).catch(report); } }, [t.showRemote])]);
      }
    } else {
      const text = (email.textBody ?? []).map((p) => values[p.partId]?.value ?? '').join('\n');
      body = h('pre', { class: 'text-body' }, [text]);
    }
    this.reading.replaceChildren(
      h('header', {}, [
        h('h2', { class: 'subject' }, [email.subject || t.noSubject]),
        h('p', {}, [h('span', { class: 'label' }, [t.from, ': ']), names(email.from)]),
        h('p', {}, [h('span', { class: 'label' }, [t.to, ': ']), names(email.to)]),
        h('p', {}, [h('span', { class: 'label' }, [t.date, ': ']),
          h('time', { datetime: email.receivedAt }, [new Date(email.receivedAt).toLocaleString()])]),
        h('div', { class: 'actions', role: 'toolbar' }, [
          h('button', { type: 'button', class: 'delete',
            onclick: () => { this.remove(email.id).catch(report); } }, [t.delete]),
        ]),
      ]),
      ...(notice ? [notice] : []),
      body,
    );
  }

  /**
   * Moves a message to Trash (or, in Trash, destroys it).
   * @param {string} id
   */
  async remove(id) {
    const trash = this.mailboxes.find((m) => m.role === 'trash');
    const update = trash && trash.id !== this.current
      ? { update: { [id]: { mailboxIds: { [trash.id]: true } } } }
      : { destroy: [id] };
    await this.jmap.call([['Email/set', { accountId: this.jmap.accountId, ...update }, 's']]);
    const i = this.emails.findIndex((m) => m.id === id);
    this.emails = this.emails.filter((m) => m.id !== id);
    this.total = Math.max(0, this.total - 1);
    this.selected = null;
    this.reading.replaceChildren(h('p', { class: 'placeholder' }, [t.deleted]));
    this.drawList();
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

/**
 * The sandboxed frame a message's HTML is shown in: no scripts (sandbox and the frame's own
 * policy), same-origin only so that this page can fill it.
 * @param {import('./sanitize.js').Clean} clean
 * @param {boolean} allowRemote
 * @returns {HTMLIFrameElement}
 */
function frame(clean, allowRemote) {
  const iframe = h('iframe', { class: 'html-body', title: t.reading,
    sandbox: 'allow-same-origin allow-popups allow-popups-to-escape-sandbox',
    src: allowRemote ? '/web/frame?remote=1' : '/web/frame' });
  iframe.addEventListener('load', () => {
    const doc = iframe.contentDocument;
    if (!doc) {
      return;
    }
    for (const css of clean.styles) {
      const style = doc.createElement('style');
      style.textContent = css;
      doc.head.append(style);
    }
    doc.body.replaceChildren(...clean.nodes.map((n) => doc.importNode(n, true)));
    const fit = () => {
      iframe.style.height = `${Math.max(200, doc.documentElement.scrollHeight + 20)}px`;
    };
    fit();
    // Images allowed to load change the height as they come.
    for (const img of doc.images) {
      img.addEventListener('load', fit, { once: true });
    }
  }, { once: true });
  return iframe;
}
