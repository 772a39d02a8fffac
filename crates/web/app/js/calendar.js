// The calendar on JMAP Calendars (draft-ietf-jmap-calendars): the calendars of the user's
// account and of the accounts shared with the user (the session's accounts with the calendars
// capability), with their colours and a visibility toggle; five views — day, work week, week,
// month, agenda (calendar-views.js, the days from viewrange.js) — in the browser's time zone,
// with previous/next/today, the view kept in localStorage; the visible range's events
// (CalendarEvent/query after/before + CalendarEvent/get by result reference, per account;
// recurrences expanded in occurrences.js); an event form (event-form.js) to create, edit and
// delete, with a repeat rule (repeat.js), attendees (meeting.js) or the user's own answer
// (invitation.js); a change to one occurrence of a series asks "this occurrence or all"
// (this one: a recurrenceOverrides patch, deleting it an excluded override; all: the series);
// events moved and resized by dragging, saved the same way; a calendar the user may only read
// shows its events without moving or saving them; and changes made elsewhere shown without
// reload (EventSource Calendar/CalendarEvent of every account shown).

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { Unauthorized, CALENDARS } from './api.js';
import { MeetingFields, answerList } from './meeting.js';
import { answerButtons } from './invitation.js';
import { occurrences, localDateTime, utcDate, duration } from './occurrences.js';
import { ruleOf, changedFrom, overridePatch, formOverride, excludePatch, seriesMoved } from './repeat.js';
import { MODES, viewDays, stepped, weekInfo, firstMode } from './viewrange.js';
import { Panes, namePanes, phoneLayout } from './panes.js';
import { wallTime, browserZone } from './zone.js';
import { EventFields } from './event-form.js';
import { drawTimeGrid, drawMonth, drawAgenda, key, time } from './calendar-views.js';

const t = strings.calendar;
const PROPERTIES = ['id', 'calendarIds', 'title', 'description', 'start', 'timeZone', 'duration',
  'showWithoutTime', 'utcStart', 'utcEnd', 'recurrenceRule', 'recurrenceRules', 'recurrenceOverrides', 'locations', 'uid', 'isOrigin', 'participants'];
const LIMIT = 500;
/** The most accounts (the user's and those shared) whose calendars are shown. */
const MAX_ACCOUNTS = 20;
const FALLBACK_COLOURS = ['#0b57d0', '#188038', '#b06000', '#a142f4', '#c5221f', '#007b83'];
const STORED_MODE = 'relais.calendar.view';

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {import('./viewrange.js').Mode} Mode
 * @typedef {import('./calendar-views.js').Item} Item
 * @typedef {import('./occurrences.js').Override} Override
 * @typedef {{ id: string, name: string, color: string | null, isDefault: boolean, sortOrder: number,
 *   accountId: string, myRights?: { mayWriteAll?: boolean } }} Calendar
 * @typedef {{ id: string, calendarIds: Record<string, boolean>, title: string, description?: string,
 *   start: string, timeZone: string | null, duration?: string, showWithoutTime?: boolean,
 *   utcStart: string, utcEnd: string, locations?: Record<string, { name?: string }> | null,
 *   recurrenceRule?: import('./occurrences.js').RecurrenceRule | null,
 *   recurrenceRules?: import('./occurrences.js').RecurrenceRule[] | null,
 *   recurrenceOverrides?: Record<string, Override> | null, isOrigin?: boolean,
 *   participants?: Record<string, import('./meeting.js').Participant> | null }} CalendarEvent
 * @typedef {{ id: string, name: string, mine: boolean }} Account
 */

/** @param {unknown} e */
function report(e) {
  if (e instanceof Unauthorized) {
    window.location.reload();
  } else {
    console.error(e);
  }
}

export class CalendarView {
  /**
   * @param {Jmap} jmap
   * @param {HTMLElement} root
   */
  constructor(jmap, root) {
    this.jmap = jmap;
    this.accountId = jmap.accounts[CALENDARS] ?? '';
    /** The user's account first, then those shared with the user. @type {Account[]} */
    this.accounts = [];
    /** @type {Calendar[]} */
    this.calendars = [];
    /** Calendars hidden by their toggle (account/calendar). @type {Set<string>} */
    this.hidden = new Set();
    /** @type {Array<CalendarEvent & { accountId: string }>} */
    this.events = [];
    const stored = globalThis.localStorage?.getItem(STORED_MODE);
    /** @type {Mode} */
    this.mode = firstMode(stored, phoneLayout());
    this.anchor = new Date();
    this.week = weekInfo();
    /** @type {EventSource | null} */
    this.source = null;
    /** Each account's states read last. @type {Record<string, { Calendar?: string, CalendarEvent?: string }>} */
    this.states = {};
    /** An event is pressed or dragged: the view is drawn when it is let go. */
    this.held = false;
    this.drawLater = false;
    /** The user's participant identity (ParticipantIdentity/get): who organizes and answers. @type {{ name: string, email: string } | null} */
    this.identity = null;
    this.calendarList = h('div', { class: 'calendar-accounts' });
    this.title = h('h2', { class: 'range', 'aria-live': 'polite' });
    this.grid = h('div', { class: 'cal-grid' });
    this.alert = h('p', { class: 'error', role: 'alert' });
    this.form = h('div', { class: 'event-form-pane' });
    this.modeButtons = MODES.map((m) => h('button', { type: 'button', 'aria-pressed': String(m === this.mode),
      'data-mode': m, onclick: () => this.setMode(m) }, [t.modes[m]]));
    const nav = h('div', { class: 'cal-toolbar', role: 'toolbar', 'aria-label': t.navigation }, [
      h('button', { type: 'button', onclick: () => this.move(-1) }, [t.previous]),
      h('button', { type: 'button', onclick: () => { this.anchor = new Date(); this.load().catch(report); } }, [t.today]),
      h('button', { type: 'button', onclick: () => this.move(1) }, [t.next]),
      this.title,
      h('span', { class: 'modes', role: 'group', 'aria-label': t.views }, this.modeButtons),
      h('button', { type: 'button', class: 'new-event', onclick: () => this.openForm(null, this.defaultStart()) }, [t.newEvent]),
    ]);
    const side = h('nav', { class: 'pane cal-side', 'aria-label': t.calendars }, [h('h2', { class: 'side-title' }, [t.calendars]), this.calendarList]);
    const main = h('section', { class: 'cal-main', 'aria-label': t.title }, [nav, this.alert, this.grid]);
    namePanes({ nav: side, list: main, detail: this.form });
    root.replaceChildren(side, main, this.form);
    // On a phone: the grid first, an event's form alone (panes.js).
    this.panes = new Panes(root, 'list');
  }

  async start() {
    if (!this.accountId) {
      this.alert.textContent = t.unavailable;
      return;
    }
    const shared = Object.entries(this.jmap.sessionAccounts)
      .filter(([id, a]) => id !== this.accountId && a.capabilities.includes(CALENDARS))
      .map(([id, a]) => ({ id, name: a.name, mine: false }));
    this.accounts = [{ id: this.accountId, name: '', mine: true }, ...shared].slice(0, MAX_ACCOUNTS);
    await this.loadCalendars();
    await this.load();
    // The states read last: a push naming them (the first one on connecting) changes nothing.
    this.source = this.jmap.follow((states, accountId) => {
      const known = this.states[accountId] ?? {};
      if (states.Calendar && states.Calendar !== known.Calendar) {
        this.loadCalendars().then(() => this.load()).catch(report);
      } else if (states.CalendarEvent && states.CalendarEvent !== known.CalendarEvent) {
        this.load().catch(report);
      }
    }, ['Calendar', 'CalendarEvent'], this.accounts.map((a) => a.id));
  }

  stop() {
    this.source?.close();
  }

  async loadCalendars() {
    const r = await this.jmap.call([
      ...this.accounts.map((a, i) => /** @type {import('./api.js').Invocation} */ (['Calendar/get', { accountId: a.id, ids: null }, `c${i}`])),
      ['ParticipantIdentity/get', { accountId: this.accountId }, 'pi']]);
    /** @type {Array<{ name?: string, calendarAddress?: string, isDefault?: boolean }>} */
    const identities = r.pi.list ?? [];
    const identity = identities.find((i) => i.isDefault) ?? identities[0];
    this.identity = identity?.calendarAddress
      ? { name: identity.name ?? '', email: identity.calendarAddress.replace(/^mailto:/i, '') } : null;
    this.calendars = this.accounts.flatMap((a, i) => {
      this.states[a.id] = { ...this.states[a.id], Calendar: r[`c${i}`].state };
      /** @type {Calendar[]} */
      const list = r[`c${i}`].list.map((/** @type {Calendar} */ c) => ({ ...c, accountId: a.id }));
      return list.sort((x, y) => Number(y.isDefault) - Number(x.isDefault) || x.sortOrder - y.sortOrder || x.name.localeCompare(y.name));
    });
    this.drawCalendars();
  }

  /**
   * @param {string} accountId
   * @param {string} id
   */
  colour(accountId, id) {
    const i = this.calendars.findIndex((c) => c.accountId === accountId && c.id === id);
    return this.calendars[i]?.color || FALLBACK_COLOURS[Math.max(0, i) % FALLBACK_COLOURS.length];
  }

  /** @param {Item} item */
  calendarOf(item) {
    const id = Object.keys(item.event.calendarIds)[0] ?? '';
    return this.calendars.find((c) => c.accountId === item.accountId && c.id === id);
  }

  /** @param {Item} item */
  writable(item) {
    return this.calendarOf(item)?.myRights?.mayWriteAll !== false;
  }

  drawCalendars() {
    this.calendarList.replaceChildren(...this.accounts.map((a) => {
      const mine = this.calendars.filter((c) => c.accountId === a.id);
      const heading = a.mine ? t.myCalendars : t.sharedBy(a.name);
      return h('section', { class: 'calendar-account', 'aria-label': heading }, [
        this.accounts.length > 1 ? h('h3', { class: 'side-subtitle' }, [heading]) : null,
        h('ul', { class: 'calendars', 'aria-label': heading }, mine.map((c) => this.calendarToggle(c))),
      ]);
    }));
  }

  /** @param {Calendar} c */
  calendarToggle(c) {
    const k = `${c.accountId}/${c.id}`;
    const id = `cal-${c.accountId}-${c.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const box = h('input', { type: 'checkbox', id, checked: !this.hidden.has(k),
      onchange: () => {
        if (box.checked) {
          this.hidden.delete(k);
        } else {
          this.hidden.add(k);
        }
        this.draw();
      } });
    const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = this.colour(c.accountId, c.id);
    const readOnly = c.myRights?.mayWriteAll === false;
    return h('li', {}, [box, h('label', { for: id }, [swatch, c.name,
      readOnly ? h('span', { class: 'read-only' }, [` (${t.readOnlyMark})`]) : null])]);
  }

  range() {
    return viewDays(this.mode, this.anchor, this.week);
  }

  /** @param {Mode} mode */
  setMode(mode) {
    this.mode = mode;
    try {
      globalThis.localStorage?.setItem(STORED_MODE, mode);
    } catch {
      // Storage refused (private browsing): the view is kept for this page only.
    }
    this.modeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
    this.load().catch(report);
  }

  /** @param {number} by */
  move(by) {
    this.anchor = stepped(this.mode, this.anchor, by);
    this.load().catch(report);
  }

  async load() {
    const { from, to } = this.range();
    const filter = { after: utcDate(from), before: utcDate(to) };
    const r = await this.jmap.call(this.accounts.flatMap((a, i) => /** @type {import('./api.js').Invocation[]} */ ([
      ['CalendarEvent/query', { accountId: a.id, limit: LIMIT, filter }, `q${i}`],
      ['CalendarEvent/get', { accountId: a.id, properties: PROPERTIES,
        '#ids': { resultOf: `q${i}`, name: 'CalendarEvent/query', path: '/ids' } }, `g${i}`],
    ])));
    this.events = this.accounts.flatMap((a, i) => {
      this.states[a.id] = { ...this.states[a.id], CalendarEvent: r[`g${i}`].state };
      return r[`g${i}`].list.map((/** @type {CalendarEvent} */ e) => ({ ...e, accountId: a.id }));
    });
    this.draw();
  }

  /** The visible occurrences of the visible calendars' events. @returns {Item[]} */
  items() {
    const { from, to } = this.range();
    return this.events
      .filter((e) => Object.keys(e.calendarIds).some((id) => !this.hidden.has(`${e.accountId}/${id}`)))
      .flatMap((e) => occurrences(e, from, to).map((span) => ({ event: e, accountId: e.accountId, start: span.start,
        end: span.end, recurrenceId: e.recurrenceRule || e.recurrenceRules?.length ? span.recurrenceId ?? null : null,
        title: typeof span.override?.title === 'string' ? span.override.title : e.title, allDay: Boolean(e.showWithoutTime) })))
      .sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  draw() {
    if (this.held) {
      this.drawLater = true;
      return;
    }
    const { days, to } = this.range();
    const last = new Date(to.getTime() - 1);
    const fmt = /** @type {Intl.DateTimeFormatOptions} */ ({ year: 'numeric', month: 'long', day: 'numeric' });
    this.title.textContent = this.mode === 'month'
      ? this.anchor.toLocaleDateString(locale, { year: 'numeric', month: 'long' })
      : this.mode === 'day' ? days[0].toLocaleDateString(locale, { weekday: 'long', ...fmt })
        : `${days[0].toLocaleDateString(locale, fmt)} – ${last.toLocaleDateString(locale, fmt)}`;
    const items = this.items();
    /** @type {import('./calendar-views.js').Actions} */
    const act = {
      chip: (i) => this.chip(i),
      open: (i, start) => this.openForm(i, start),
      move: (i, span) => { this.dragged(i, span).catch((x) => { this.alert.textContent = `${t.failed} ${String(x)}`; report(x); }); },
      writable: (i) => this.writable(i),
      goDay: (day) => { this.anchor = day; this.setMode('day'); },
      hold: (on) => { this.hold(on); },
    };
    this.grid.dataset.view = this.mode;
    // An event focused (moved by the keyboard, or changed elsewhere meanwhile) keeps the focus.
    const focused = document.activeElement instanceof HTMLElement && this.grid.contains(document.activeElement)
      ? document.activeElement.dataset.key : undefined;
    if (this.mode === 'month') {
      drawMonth(this.grid, days, this.anchor.getMonth(), items, act);
    } else if (this.mode === 'agenda') {
      drawAgenda(this.grid, days, items, act);
    } else {
      drawTimeGrid(this.grid, days, items, act);
    }
    if (focused) {
      /** @type {HTMLElement | null} */ (this.grid.querySelector(`[data-key="${CSS.escape(focused)}"]`))?.focus();
    }
  }

  /**
   * Holds drawing while an event is pressed or dragged (a push then would pull it from under
   * the pointer); let go, draws what came meanwhile.
   * @param {boolean} on
   */
  hold(on) {
    this.held = on;
    if (!on && this.drawLater) {
      this.drawLater = false;
      this.draw();
    }
  }

  /**
   * An occurrence's button in a view.
   * @param {Item} item
   */
  chip(item) {
    const calendar = this.calendarOf(item);
    // The name starts with what the chip shows (WCAG 2.5.3), then the rest.
    const title = item.title || t.untitled;
    const label = `${item.allDay ? `${title}, ${t.allDay}` : `${time(item.start)} ${title}, ${strings.fit.until(time(item.end))}`}`
      + `${item.recurrenceId ? `, ${t.repeating}` : ''}${calendar ? `, ${calendar.name}` : ''}`;
    const chip = h('button', { type: 'button', class: 'event', 'data-event': item.event.id, 'data-key': key(item),
      'aria-label': label, onclick: () => this.openForm(item, item.start) }, [
      h('span', { class: 'event-time' }, [item.allDay ? '' : time(item.start)]), item.allDay ? '' : ' ',
      h('span', { class: 'event-title' }, [title]),
      item.recurrenceId ? h('span', { class: 'event-repeats', 'aria-hidden': 'true' }, ['↻']) : null,
    ]);
    chip.style.borderLeftColor = this.colour(item.accountId, Object.keys(item.event.calendarIds)[0] ?? '');
    return chip;
  }

  defaultStart() {
    const { from, to } = this.range();
    const now = new Date();
    const d = now >= from && now < to ? now : new Date(from);
    d.setHours(now >= from && now < to ? d.getHours() + 1 : 9, 0, 0, 0);
    return d;
  }

  /**
   * Asks whether a change is for this occurrence or all of them: 'this', 'all', or null
   * (cancelled). A dialog in the page, keyboard first: its first button focused, Escape cancels.
   * @param {string} question
   * @returns {Promise<'this' | 'all' | null>}
   */
  askScope(question) {
    return new Promise((resolve) => {
      const back = document.activeElement;
      const done = (/** @type {'this' | 'all' | null} */ answer) => {
        dialog.remove();
        if (back instanceof HTMLElement && back.isConnected) {
          back.focus();
        }
        resolve(answer);
      };
      const first = h('button', { type: 'button', onclick: () => done('this') }, [t.thisOccurrence]);
      const dialog = h('div', { class: 'scope-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'scope-q',
        onkeydown: (ev) => {
          const e = /** @type {KeyboardEvent} */ (ev);
          if (e.key === 'Escape') {
            e.stopPropagation();
            done(null);
          } else if (e.key === 'Tab') {
            // Focus stays in the dialog (it is modal): Tab and Shift+Tab go round its buttons.
            const buttons = [...dialog.querySelectorAll('button')];
            const i = buttons.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
            e.preventDefault();
            buttons[(i + (e.shiftKey ? -1 : 1) + buttons.length) % buttons.length].focus();
          }
        } }, [
        h('p', { id: 'scope-q' }, [question]),
        h('div', { class: 'actions' }, [first,
          h('button', { type: 'button', onclick: () => done('all') }, [t.allOccurrences]),
          h('button', { type: 'button', onclick: () => done(null) }, [t.cancel])]),
      ]);
      document.body.append(dialog);
      first.focus();
    });
  }

  /**
   * The event form: a new event at `start` (an hour long), or an occurrence to edit.
   * @param {Item | null} item
   * @param {Date} start
   */
  openForm(item, start) {
    const event = item?.event ?? null;
    const writable = this.calendars.filter((c) => c.myRights?.mayWriteAll !== false);
    const current = item ? `${item.accountId}/${Object.keys(item.event.calendarIds)[0]}` : undefined;
    const f = new EventFields(event, item ?? { start, end: new Date(start.getTime() + 3600e3) },
      writable.map((c) => ({ key: `${c.accountId}/${c.id}`,
        name: c.accountId === this.accountId ? c.name : `${c.name} (${this.accounts.find((a) => a.id === c.accountId)?.name ?? ''})` })),
      current);
    const field = (/** @type {HTMLElement} */ input, /** @type {string} */ label) =>
      h('div', { class: 'field' }, [h('label', { for: input.id }, [label]), input]);
    const error = h('p', { class: 'error', role: 'alert' });
    const close = () => { this.form.replaceChildren(); this.panes.show('list'); };
    /** @param {() => Promise<string | null>} act */
    const run = (act) => {
      act().then((refused) => {
        if (refused) {
          error.textContent = refused === CANCELLED ? '' : `${t.failed} ${refused}`;
        } else {
          close();
          return this.load();
        }
        return undefined;
      }).catch((x) => { error.textContent = `${t.failed} ${String(x)}`; report(x); });
    };
    const mayWrite = !item || this.writable(item);
    const mine = !item || item.accountId === this.accountId;
    // Attendees are the organizer's to change; an attendee answers (meeting.js, invitation.js).
    const organizing = mine && mayWrite && (!event || event.isOrigin !== false);
    const meeting = new MeetingFields(this.jmap, organizing ? this.identity : null, event?.participants, () => {
      const span = f.span();
      return span ? { from: span.start, to: span.end } : null;
    });
    const answering = event && mine && !organizing && this.identity
      ? answerButtons(this.jmap, event, this.identity.email, () => { this.load().catch(report); }) : null;
    if (!mayWrite) {
      f.readOnly();
    }
    const form = h('form', { class: 'event-form', 'aria-label': event ? t.editEvent : t.newEvent,
      onsubmit: (e) => { e.preventDefault(); run(() => this.save(item, f, meeting)); },
      onkeydown: (e) => { if (/** @type {KeyboardEvent} */ (e).key === 'Escape') { close(); } } }, [
      h('h2', {}, [event ? t.editEvent : t.newEvent]),
      mayWrite ? null : h('p', { class: 'notice' }, [t.readOnly]),
      field(f.title, t.eventTitle),
      h('div', { class: 'field inline' }, [f.allDay, h('label', { for: f.allDay.id }, [t.allDay])]),
      field(f.from, t.start),
      field(f.to, t.end),
      field(f.where, t.location),
      f.repeat.element,
      answering,
      event ? answerList(event.participants) : null,
      mayWrite ? meeting.element : null,
      field(f.text, t.description),
      field(f.calendar, t.calendar),
      error,
      h('div', { class: 'actions' }, [
        mayWrite ? h('button', { type: 'submit', class: 'send' }, [t.save]) : null,
        item && mayWrite ? h('button', { type: 'button', onclick: () => run(() => this.destroy(item)) }, [t.delete]) : null,
        h('button', { type: 'button', onclick: close }, [mayWrite ? t.cancel : t.close]),
      ]),
    ]);
    this.panes.show('detail');
    this.form.replaceChildren(form);
    f.title.focus();
  }

  /**
   * Creates or updates the event from the form (CalendarEvent/set): one occurrence or the
   * series, as the user says. The refusal's text, if any.
   * @param {Item | null} item
   * @param {EventFields} f
   * @param {MeetingFields} meetingFields
   * @returns {Promise<string | null>}
   */
  async save(item, f, meetingFields) {
    const span = f.span();
    if (!span) {
      return t.endBeforeStart;
    }
    const event = item?.event ?? null;
    const zone = event?.timeZone && !event.showWithoutTime ? event.timeZone : browserZone();
    const allDay = f.allDay.checked;
    const props = {
      title: f.title.value,
      start: allDay ? localDateTime(span.start) : wallTime(span.start, zone),
      timeZone: allDay ? null : zone,
      duration: allDay ? `P${Math.round((span.end.getTime() - span.start.getTime()) / 86400e3)}D`
        : duration(span.end.getTime() - span.start.getTime()),
      showWithoutTime: allDay,
      description: f.text.value,
      locations: f.where.value.trim() ? { l1: { '@type': 'Location', name: f.where.value.trim() } } : null,
    };
    const meeting = meetingFields.value() ?? { participants: null, schedule: false };
    const scheduling = meeting.schedule ? { sendSchedulingMessages: true } : {};
    const repeat = f.repeatValue();
    if (!event || !item) {
      const [accountId, calendarId] = f.calendar.value.split('/');
      const rule = repeat ? ruleOf(repeat, span.start) : null;
      const create = { '@type': 'Event', calendarIds: { [calendarId]: true },
        ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null && v !== '' && v !== false)),
        ...(rule ? { recurrenceRule: rule } : {}),
        ...(meetingFields.me && meeting.participants ? { participants: meeting.participants, organizerCalendarAddress: meeting.organizer } : {}) };
      return this.set(accountId, { create: { n: create }, ...scheduling }, 'n');
    }
    if (meetingFields.me) {
      Object.assign(props, { participants: meeting.participants, organizerCalendarAddress: meeting.organizer ?? null });
    }
    const scope = item.recurrenceId && !f.repeatChanged() ? await this.askScope(t.changeWhich) : 'all';
    if (!scope) {
      return CANCELLED;
    }
    if (scope === 'this' && item.recurrenceId) {
      const { title, description, locations, duration: length } = props;
      const changes = changedFrom(event, { title, description, locations, duration: length });
      const start = wallTime(span.start, zone);
      const patch = formOverride(event, item.recurrenceId, ['title', 'description', 'locations', 'duration', 'start'],
        { ...changes, ...(start !== item.recurrenceId ? { start } : {}) });
      return this.set(item.accountId, { update: { [event.id]: patch } }, event.id);
    }
    /** @type {Record<string, unknown>} */
    const update = { ...props };
    if (item.recurrenceId) {
      Object.assign(update, seriesMoved(event, item.start, span.start));
    }
    if (repeat && f.repeatChanged()) {
      const rule = ruleOf(repeat, span.start);
      update[event.recurrenceRules ? 'recurrenceRules' : 'recurrenceRule'] = event.recurrenceRules ? (rule ? [rule] : null) : rule;
    }
    return this.set(item.accountId, { update: { [event.id]: update }, ...scheduling }, event.id);
  }

  /**
   * One CalendarEvent/set in an account; the refusal's text of `id` (created or updated), if any.
   * @param {string} accountId
   * @param {Record<string, unknown>} args
   * @param {string} id
   * @returns {Promise<string | null>}
   */
  async set(accountId, args, id) {
    const r = await this.jmap.call([['CalendarEvent/set', { accountId, ...args }, 's']]);
    const refused = r.s.notCreated?.[id] ?? r.s.notUpdated?.[id] ?? r.s.notDestroyed?.[id];
    return refused ? refused.description ?? refused.type : null;
  }

  /**
   * An occurrence dragged to a new time or end: saved for it or the whole series, as the user
   * says (a series moved keeps its wall-clock rhythm); cancelled or unchanged, drawn again.
   * @param {Item} item
   * @param {{ start: Date, end: Date }} span
   */
  async dragged(item, span) {
    this.held = false;
    this.drawLater = false;
    const event = item.event;
    const unchanged = span.start.getTime() === item.start.getTime() && span.end.getTime() === item.end.getTime();
    const scope = unchanged ? null : item.recurrenceId ? await this.askScope(t.changeWhich) : 'all';
    if (!scope) {
      this.draw();
      return;
    }
    const zone = event.timeZone ?? browserZone();
    // An all-day event moves by days and keeps its duration (its days, which a DST change in
    // between would make 23 or 25 hours if measured).
    const length = event.showWithoutTime ? {} : { duration: duration(span.end.getTime() - span.start.getTime()) };
    /** @type {Record<string, unknown>} */
    let patch;
    if (scope === 'this' && item.recurrenceId) {
      patch = overridePatch(event, item.recurrenceId, { start: wallTime(span.start, zone), ...changedFrom(event, length) });
    } else if (item.recurrenceId) {
      patch = { ...seriesMoved(event, item.start, span.start), ...length };
    } else {
      patch = { start: wallTime(span.start, zone), ...length };
    }
    const refused = await this.set(item.accountId, { update: { [event.id]: patch } }, event.id);
    this.alert.textContent = refused ? `${t.failed} ${refused}` : '';
    await this.load();
  }

  /**
   * Deletes the event, or one occurrence of a series (an excluded override), as the user says;
   * the refusal's text, if any.
   * @param {Item} item
   * @returns {Promise<string | null>}
   */
  async destroy(item) {
    const event = item.event;
    const scope = item.recurrenceId ? await this.askScope(t.deleteWhich) : 'all';
    if (!scope) {
      return CANCELLED;
    }
    // A meeting's attendees are told (a cancel, or the attendee's decline).
    const schedule = event.participants ? { sendSchedulingMessages: true } : {};
    if (scope === 'this' && item.recurrenceId) {
      return this.set(item.accountId, { update: { [event.id]: excludePatch(event, item.recurrenceId) }, ...schedule }, event.id);
    }
    return this.set(item.accountId, { destroy: [event.id], ...schedule }, event.id);
  }
}

/** What save and destroy answer when the user cancelled: nothing to say. */
const CANCELLED = '\u0000cancelled';
