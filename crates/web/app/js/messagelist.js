// The message list at scale: a scroller of fixed-height rows that draws only those in view (and
// MARGIN more either side), whatever the folder's size. The ids come by windows of positions
// (Email/query position/limit, the total by calculateTotal) and the rows' properties by Email/get
// of those ids only, in the same request; with threads collapsed, the threads' sizes by
// Thread/get too. It keeps the selection (rows.js), the cursor the keyboard moves (the listbox's
// aria-activedescendant; each row says its aria-posinset of aria-setsize), rows dragged onto a
// folder, and the rows in view when new mail comes (Email/queryChanges).

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { MAX_HEIGHT, layout, scrollTopOf, windows, clickKind, revealBy, Selection, shiftAbove } from './rows.js';

/** Each row's height in pixels (the style sheet's `.message` box matches it). */
export const ROW_HEIGHT = 64;
/** Positions one request asks for. */
const PAGE = 50;
/** Rows drawn beyond the view, either side. */
const MARGIN = 6;
/** The data type a drag of rows carries: their ids as JSON. */
export const DRAG_TYPE = 'application/x-relais-emails';
/** Rows kept read past this many, those far from the view are forgotten (read again if scrolled back to). */
const MAX_KEPT = 3000;
/** Most ids a drag carries. */
const MAX_DRAGGED = 5000;
const LIST_PROPERTIES = ['id', 'threadId', 'mailboxIds', 'from', 'subject', 'receivedAt', 'preview', 'keywords',
  'hasAttachment'];
const t = strings.mail;
const l = strings.list;

/**
 * @typedef {import('./mail.js').Email} Email
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ filter: Record<string, unknown>, collapse: boolean }} ListQuery
 * @typedef {{ open: (id: string) => void, selected: () => void }} ListEvents
 */

/** @param {import('./mail.js').Address[] | null | undefined} list */
export function names(list) {
  return (list ?? []).map((a) => a.name || a.email).join(', ');
}

/** @param {string} iso */
function when(iso) {
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** What the list holds of one query's results, replaced whole when they are read again. */
class Results {
  constructor() {
    /** @type {Map<number, string>} */
    this.ids = new Map();
    /** @type {Map<string, number>} */
    this.positions = new Map();
    /** @type {Map<string, Email>} */
    this.emails = new Map();
    /** Messages in each thread shown (with threads collapsed). @type {Map<string, number>} */
    this.threads = new Map();
    this.total = 0;
    /** @type {string | null} */
    this.queryState = null;
    /**
     * Windows were read at different states of the query (mail came or went between two
     * reads), or one came back shorter than the total said: places may be wrong until read again.
     */
    this.mixed = false;
  }

  /**
   * @param {number} start
   * @param {Record<string, any>} r the answers to the calls of `request`
   */
  take(start, r) {
    /** @type {string[]} */
    const ids = r.q.ids;
    ids.forEach((id, i) => {
      this.ids.set(start + i, id);
      this.positions.set(id, start + i);
    });
    for (const e of /** @type {Email[]} */ (r.g.list)) {
      this.emails.set(e.id, e);
    }
    for (const th of /** @type {{ id: string, emailIds: string[] }[]} */ (r.t?.list ?? [])) {
      this.threads.set(th.id, th.emailIds.length);
    }
    const total = Number(r.q.total ?? this.total);
    const state = r.q.queryState ?? this.queryState;
    const short = ids.length < Math.min(PAGE, Number(r.q.limit ?? PAGE), total - start);
    if (short || (this.ids.size > ids.length && this.queryState !== null && state !== this.queryState)) {
      this.mixed = true;
    }
    this.total = total;
    this.queryState = state;
  }

  /**
   * Forgets the rows far from `first`…`last` once more than MAX_KEPT are held, so that scrolling
   * through a huge folder holds a bounded number of messages.
   * @param {number} first
   * @param {number} last
   */
  prune(first, last) {
    if (this.ids.size <= MAX_KEPT) {
      return;
    }
    const keep = MAX_KEPT / 2;
    for (const [p, id] of this.ids) {
      if (p < first - keep || p >= last + keep) {
        this.ids.delete(p);
        this.positions.delete(id);
        this.emails.delete(id);
      }
    }
    const live = new Set([...this.emails.values()].map((e) => e.threadId));
    for (const thread of this.threads.keys()) {
      if (!live.has(thread)) {
        this.threads.delete(thread);
      }
    }
  }
}

export class MessageList {
  /**
   * @param {Jmap} jmap
   * @param {ListEvents} events
   */
  constructor(jmap, events) {
    this.jmap = jmap;
    this.events = events;
    /** @type {ListQuery | null} */
    this.query = null;
    this.results = new Results();
    this.selection = new Selection();
    /** The row the keyboard is on (-1: none). */
    this.cursor = -1;
    /** The message open in the reading pane. @type {string | null} */
    this.shown = null;
    /** Bumped by each new query: answers to an older one are dropped. */
    this.generation = 0;
    /** Window starts asked for and not answered yet. @type {Set<number>} */
    this.pending = new Set();
    this.drawing = false;
    /** A reread of the rows in view is due (`rereadSoon`). */
    this.rereading = false;
    /** Rereads in a row that found their results mixed again. */
    this.mixedRereads = 0;
    /** The state of the account's mail the rows were read at. @type {string | null} */
    this.emailState = null;
    this.list = h('ul', { class: 'messages', role: 'listbox', 'aria-label': t.messages, tabindex: '0',
      'aria-multiselectable': 'true', onclick: (e) => this.onClick(/** @type {MouseEvent} */ (e)),
      ondragstart: (e) => this.onDragStart(/** @type {DragEvent} */ (e)) });
    this.scroller = h('div', { class: 'scroller', onscroll: () => this.schedule() }, [this.list]);
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  get total() {
    return this.results.total;
  }

  /**
   * Shows the results of another query from the top.
   * @param {ListQuery} query
   */
  async show(query) {
    this.query = query;
    this.generation += 1;
    this.pending.clear();
    this.results = new Results();
    this.selection.clear();
    this.cursor = -1;
    this.scroller.scrollTop = 0;
    await this.fetch(0, this.generation, this.results);
    this.draw();
  }

  /**
   * Reads the rows in view again (after a change of the account's mail), keeping in view the rows
   * that were, however many came or went above them.
   */
  async reread() {
    const query = this.query;
    if (!query) {
      return;
    }
    const old = this.results;
    const shift = this.scroller.scrollTop > 0 ? await this.shiftSince(query, old) : 0;
    const generation = ++this.generation;
    this.pending.clear();
    const fresh = new Results();
    const view = this.view();
    const first = Math.max(0, view.first + shift);
    const starts = windows(first, first + (view.last - view.first), () => false, PAGE);
    await Promise.all((starts.length ? starts : [0]).map((s) => this.fetch(s, generation, fresh)));
    if (generation !== this.generation) {
      return;
    }
    this.results = fresh;
    if (fresh.mixed) {
      this.rereadSoon();
    } else {
      this.mixedRereads = 0;
    }
    if (this.shown && fresh.positions.has(this.shown)) {
      this.cursor = fresh.positions.get(this.shown) ?? this.cursor;
    } else {
      this.cursor = Math.min(this.cursor, fresh.total - 1);
    }
    if (shift !== 0) {
      this.scroller.scrollTop += scrollTopOf(first, this.metrics()) - scrollTopOf(view.first, this.metrics());
    }
    this.draw();
  }

  /**
   * Reads the rows in view again once, soon: the results hold windows of different states of
   * the query (a push that would have said so may have come before the later window, and found
   * the state it carried unchanged). Several calls before it runs make one read.
   */
  rereadSoon() {
    // Mail arriving all the time makes every read mixed: a few in a row, then the next push.
    if (this.rereading || this.mixedRereads >= 3) {
      return;
    }
    this.rereading = true;
    this.mixedRereads += 1;
    setTimeout(() => {
      this.rereading = false;
      this.reread().catch((e) => console.error(e));
    }, 0);
  }

  /**
   * How many rows came (or went) above the first one in view since the results were read
   * (Email/queryChanges); 0 when the server cannot tell.
   * @param {ListQuery} query
   * @param {Results} old
   */
  async shiftSince(query, old) {
    if (!old.queryState || query.collapse) {
      return 0;
    }
    const r = await this.jmap.call([['Email/queryChanges', { accountId: this.jmap.accountId, filter: query.filter,
      sort: [{ property: 'receivedAt', isAscending: false }], sinceQueryState: old.queryState, maxChanges: 500 }, 'c']])
      .catch(() => null);
    if (!r?.c) {
      return 0;
    }
    /** @type {{ id: string, index: number }[]} */
    const added = [...r.c.added].sort((a, b) => a.index - b.index);
    return shiftAbove(this.view().first, added, r.c.removed, (id) => old.positions.get(id));
  }

  /**
   * Reads one window of positions into `into`.
   * @param {number} start
   * @param {number} generation
   * @param {Results} into
   */
  async fetch(start, generation, into) {
    const query = this.query;
    if (!query || this.pending.has(start)) {
      return;
    }
    this.pending.add(start);
    const account = this.jmap.accountId;
    /** @type {import('./api.js').Invocation[]} */
    const calls = [
      ['Email/query', { accountId: account, filter: query.filter, collapseThreads: query.collapse,
        sort: [{ property: 'receivedAt', isAscending: false }], position: start, limit: PAGE, calculateTotal: true }, 'q'],
      ['Email/get', { accountId: account, properties: LIST_PROPERTIES,
        '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 'g'],
    ];
    if (query.collapse) {
      calls.push(['Thread/get', { accountId: account,
        '#ids': { resultOf: 'g', name: 'Email/get', path: '/list/*/threadId' } }, 't']);
    }
    try {
      const r = await this.jmap.call(calls);
      if (generation === this.generation) {
        into.take(start, r);
        this.emailState = r.g.state ?? this.emailState;
        if (into.mixed && into === this.results) {
          this.rereadSoon();
        }
      }
    } finally {
      if (generation === this.generation) {
        this.pending.delete(start);
      }
    }
  }

  /** The scroller's measures as rows.js takes them. */
  metrics() {
    return { viewport: this.scroller.clientHeight, rowHeight: ROW_HEIGHT, total: this.results.total };
  }

  /** The rows to draw now. */
  view() {
    return layout({ scrollTop: this.scroller.scrollTop, margin: MARGIN, ...this.metrics() });
  }

  /** Draws on the next frame (scrolls come faster than frames). */
  schedule() {
    if (!this.drawing) {
      this.drawing = true;
      requestAnimationFrame(() => {
        this.drawing = false;
        this.draw();
      });
    }
  }

  /** Draws the rows in view, and asks for the windows of them not read yet. */
  draw() {
    const r = this.results;
    const v = this.view();
    this.list.style.height = `${v.height}px`;
    const rows = [];
    for (let i = v.first; i < v.last; i += 1) {
      rows.push(this.row(i, v.top + (i - v.first) * ROW_HEIGHT));
    }
    this.list.replaceChildren(...rows);
    this.markCursor();
    r.prune(v.first, v.last);
    const generation = this.generation;
    for (const start of windows(v.first, v.last, (p) => r.ids.has(p), PAGE)) {
      if (!this.pending.has(start)) {
        // A window that could not be read is asked for again a moment later, not left a placeholder.
        this.fetch(start, generation, r).then(() => this.schedule(), (e) => {
          console.error(e);
          setTimeout(() => this.schedule(), 1000);
        });
      }
    }
  }

  /**
   * One row: its message, or a placeholder until it is read.
   * @param {number} i its position
   * @param {number} top
   */
  row(i, top) {
    const r = this.results;
    const id = r.ids.get(i);
    const e = id ? r.emails.get(id) : undefined;
    const place = { 'aria-posinset': String(i + 1), 'aria-setsize': String(r.total), 'data-index': String(i) };
    /** @type {HTMLLIElement} */
    let li;
    if (!e) {
      li = h('li', { role: 'option', class: 'message loading', id: `row-${i}`, 'aria-selected': 'false', ...place },
        [h('span', { class: 'subject' }, [t.loading])]);
    } else {
      const unread = !e.keywords.$seen;
      const flagged = Boolean(e.keywords.$flagged);
      const size = this.query?.collapse ? r.threads.get(e.threadId ?? '') ?? 1 : 1;
      const classes = ['message', unread ? 'unread' : '', flagged ? 'flagged' : '', e.hasAttachment ? 'attached' : '',
        e.id === this.shown ? 'current' : ''].filter((c) => c).join(' ');
      li = h('li', { role: 'option', class: classes, 'data-id': e.id, id: `message-${e.id}`, draggable: 'true',
        'aria-selected': String(this.selection.has(e.id)), ...place }, [
        h('span', { class: 'check', 'aria-hidden': 'true', title: l.select }),
        h('span', { class: 'from' }, [names(e.from)]),
        size > 1 ? h('span', { class: 'thread-size', title: l.inThread(size) }, [String(size)]) : null,
        h('time', { datetime: e.receivedAt }, [when(e.receivedAt)]),
        h('span', { class: 'subject' }, [e.subject || t.noSubject]),
        h('span', { class: 'preview' }, [e.preview ?? '']),
        size > 1 ? h('span', { class: 'visually-hidden' }, [l.inThread(size)]) : null,
        e.hasAttachment ? h('span', { class: 'has-attachment visually-hidden' }, [t.attachedMark]) : null,
        unread ? h('span', { class: 'visually-hidden' }, [t.unreadMark]) : null,
        flagged ? h('span', { class: 'visually-hidden' }, [t.flagged]) : null,
      ]);
    }
    li.style.top = `${top}px`;
    li.style.height = `${ROW_HEIGHT}px`;
    return li;
  }

  /** The cursor's row for assistive technology (the listbox keeps the focus). */
  markCursor() {
    const li = this.cursor >= 0 ? this.list.querySelector(`li[data-index="${this.cursor}"]`) : null;
    for (const other of this.list.querySelectorAll('li.cursor')) {
      other.classList.remove('cursor');
    }
    if (li) {
      li.classList.add('cursor');
      this.list.setAttribute('aria-activedescendant', li.id);
    } else {
      this.list.removeAttribute('aria-activedescendant');
    }
  }

  /** @param {number} i */
  idAt(i) {
    return this.results.ids.get(i);
  }

  /**
   * Puts the cursor on row `i` (scrolled into view), reads it when it is not yet, and answers its id.
   * @param {number} i
   */
  async moveTo(i) {
    const r = this.results;
    if (r.total === 0) {
      return undefined;
    }
    const to = Math.min(Math.max(i, 0), r.total - 1);
    this.cursor = to;
    this.reveal(to);
    if (!r.ids.has(to)) {
      await this.fetch(Math.floor(to / PAGE) * PAGE, this.generation, r);
    }
    this.draw();
    return r.ids.get(to);
  }

  /**
   * Scrolls so that row `i` is wholly in view (no scroll when it is).
   * @param {number} i
   */
  reveal(i) {
    const m = this.metrics();
    const top = this.scroller.scrollTop;
    if (m.total * ROW_HEIGHT > MAX_HEIGHT) {
      const v = layout({ scrollTop: top, margin: 0, ...m });
      if (revealBy(i, { first: v.first + 1, last: v.last - 1 }) !== 0) {
        this.scroller.scrollTop = scrollTopOf(i, m);
      }
      return;
    }
    const first = Math.ceil(top / ROW_HEIGHT);
    const by = revealBy(i, { first, last: first + Math.floor(m.viewport / ROW_HEIGHT) });
    if (by < 0) {
      this.scroller.scrollTop = i * ROW_HEIGHT;
    } else if (by > 0) {
      this.scroller.scrollTop = (i + 1) * ROW_HEIGHT - m.viewport;
    }
  }

  /**
   * The cursor moves by `delta` rows; the row it lands on is selected alone (and opened by the caller).
   * @param {number} delta
   */
  async step(delta) {
    const id = await this.moveTo(this.cursor + delta);
    if (id) {
      this.selection.only(this.cursor, id);
      this.draw();
      this.events.selected();
    }
    return id;
  }

  /** The ids of the rows wholly or partly in view, read already. */
  inView() {
    const v = layout({ scrollTop: this.scroller.scrollTop, margin: 0, ...this.metrics() });
    /** @type {string[]} */
    const ids = [];
    for (let i = v.first; i < v.last; i += 1) {
      const id = this.results.ids.get(i);
      if (id) {
        ids.push(id);
      }
    }
    return ids;
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const li = target.closest('li[data-id]');
    if (!li) {
      return;
    }
    const id = li.getAttribute('data-id') ?? '';
    const i = Number(li.getAttribute('data-index'));
    const kind = clickKind(e, Boolean(target.closest('.check')));
    this.cursor = i;
    if (kind === 'only') {
      this.selection.only(i, id);
      this.events.open(id);
    } else if (kind === 'toggle') {
      this.selection.toggle(i, id);
    } else {
      this.selection.range(i, (p) => this.results.ids.get(p));
    }
    this.draw();
    this.events.selected();
  }

  /** Toggles the cursor's row in the selection (x, space). */
  toggleCursor() {
    const id = this.results.ids.get(this.cursor);
    if (id) {
      this.selection.toggle(this.cursor, id);
      this.draw();
      this.events.selected();
    }
  }

  /** Selects the rows in view (or none of them, when they all are). */
  selectInView() {
    this.selection.all(this.inView());
    this.draw();
    this.events.selected();
  }

  /** The ids a command on "the selected messages" acts on: the selection, else the open one. */
  chosen() {
    if (this.selection.size > 0) {
      return [...this.selection.ids];
    }
    return this.shown ? [this.shown] : [];
  }

  /** @param {DragEvent} e */
  onDragStart(e) {
    const li = /** @type {HTMLElement} */ (e.target).closest?.('li[data-id]');
    const id = li?.getAttribute('data-id');
    if (!id || !e.dataTransfer) {
      return;
    }
    const ids = this.selection.has(id) ? [...this.selection.ids].slice(0, MAX_DRAGGED) : [id];
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(ids));
    e.dataTransfer.setData('text/plain', l.dragged(ids.length));
    e.dataTransfer.effectAllowed = 'move';
  }

  /**
   * The message list's own keys (the listbox pattern): Home, End, Page Up and Down move the
   * cursor; space selects; shift with an arrow extends the selection.
   * @param {KeyboardEvent} e
   */
  onKey(e) {
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    /** @type {Record<string, number>} */
    const jumps = { Home: -Infinity, End: Infinity, PageDown: page, PageUp: -page };
    if (e.key in jumps) {
      const to = Number.isFinite(jumps[e.key]) ? this.cursor + jumps[e.key] : jumps[e.key] > 0 ? this.total - 1 : 0;
      e.preventDefault();
      this.moveTo(to).catch((err) => console.error(err));
      return true;
    }
    if (e.key === ' ') {
      e.preventDefault();
      this.toggleCursor();
      return true;
    }
    if (e.shiftKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      this.moveTo(this.cursor + (e.key === 'ArrowDown' ? 1 : -1)).then(() => {
        this.selection.range(this.cursor, (p) => this.results.ids.get(p));
        this.draw();
        this.events.selected();
      }, (err) => console.error(err));
      return true;
    }
    return false;
  }
}
