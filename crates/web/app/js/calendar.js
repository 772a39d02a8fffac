// The calendar on JMAP Calendars (draft-ietf-jmap-calendars): the account's calendars with
// their colours and a visibility toggle (kept in the page), a week view (hours) and a month view
// (days) in the browser's time zone, previous/next/today, the visible range's events
// (CalendarEvent/query after/before + CalendarEvent/get with utcStart/utcEnd by result
// reference; recurrences expanded in occurrences.js), an event form (title, start, end,
// location, description, calendar) to create, edit and delete (CalendarEvent/set; an empty slot
// pre-fills it; an edit of a recurring event changes the whole series) — with attendees, people
// and rooms, and their answers (meeting.js), or the user's own answer to an invitation
// (invitation.js) —, and changes made elsewhere shown without reload (EventSource
// Calendar/CalendarEvent).

import { h } from './dom.js';
import { strings } from './strings.js';
import { Unauthorized, CALENDARS } from './api.js';
import { MeetingFields, answerList } from './meeting.js';
import { answerButtons } from './invitation.js';
import { weekStart, monthDays, addDays, occurrences, onDay, localDateTime, inputValue, utcDate, duration }
  from './occurrences.js';

const t = strings.calendar;
const PROPERTIES = ['id', 'calendarIds', 'title', 'description', 'start', 'timeZone', 'duration',
  'showWithoutTime', 'utcStart', 'utcEnd', 'recurrenceRule', 'recurrenceRules', 'recurrenceOverrides', 'locations', 'uid', 'isOrigin', 'participants'];
const LIMIT = 500;
const HOUR_REM = 2.5;
const FALLBACK_COLOURS = ['#0b57d0', '#188038', '#b06000', '#a142f4', '#c5221f', '#007b83'];

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, color: string | null, isDefault: boolean, sortOrder: number,
 *   myRights?: { mayWriteAll?: boolean } }} Calendar
 * @typedef {{ id: string, calendarIds: Record<string, boolean>, title: string, description?: string,
 *   start: string, timeZone: string | null, duration?: string, showWithoutTime?: boolean,
 *   utcStart: string, utcEnd: string, locations?: Record<string, { name?: string }> | null,
 *   recurrenceRule?: import('./occurrences.js').RecurrenceRule | null,
 *   recurrenceRules?: import('./occurrences.js').RecurrenceRule[] | null,
 *   recurrenceOverrides?: Record<string, { excluded?: boolean }> | null, isOrigin?: boolean,
 *   participants?: Record<string, import('./meeting.js').Participant> | null }} CalendarEvent
 */

/** @param {unknown} e */
function report(e) {
  if (e instanceof Unauthorized) {
    window.location.reload();
  } else {
    console.error(e);
  }
}

/** @param {CalendarEvent} e */
function location(e) {
  return Object.values(e.locations ?? {}).map((l) => l.name ?? '').filter(Boolean).join(', ');
}

/** @param {Date} d */
function time(d) {
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export class CalendarView {
  /**
   * @param {Jmap} jmap
   * @param {HTMLElement} root
   */
  constructor(jmap, root) {
    this.jmap = jmap;
    this.accountId = jmap.accounts[CALENDARS] ?? '';
    /** @type {Calendar[]} */
    this.calendars = [];
    /** Calendars hidden by their toggle. @type {Set<string>} */
    this.hidden = new Set();
    /** @type {CalendarEvent[]} */
    this.events = [];
    /** @type {'week' | 'month'} */
    this.mode = 'week';
    this.anchor = new Date();
    /** @type {EventSource | null} */
    this.source = null;
    /** @type {string | null} */
    this.calendarState = null;
    /** @type {string | null} */
    this.eventState = null;
    /** The user's participant identity (ParticipantIdentity/get): who organizes and answers. @type {{ name: string, email: string } | null} */
    this.identity = null;
    this.calendarList = h('ul', { class: 'calendars', 'aria-label': t.calendars });
    this.title = h('h2', { class: 'range', 'aria-live': 'polite' });
    this.grid = h('div', { class: 'cal-grid' });
    this.alert = h('p', { class: 'error', role: 'alert' });
    this.form = h('div', { class: 'event-form-pane' });
    this.modeButtons = {
      week: h('button', { type: 'button', 'aria-pressed': 'true', onclick: () => this.setMode('week') }, [t.week]),
      month: h('button', { type: 'button', 'aria-pressed': 'false', onclick: () => this.setMode('month') }, [t.month]),
    };
    const nav = h('div', { class: 'cal-toolbar', role: 'toolbar', 'aria-label': t.navigation }, [
      h('button', { type: 'button', onclick: () => this.move(-1) }, [t.previous]),
      h('button', { type: 'button', onclick: () => { this.anchor = new Date(); this.load().catch(report); } }, [t.today]),
      h('button', { type: 'button', onclick: () => this.move(1) }, [t.next]),
      this.title,
      h('span', { class: 'modes' }, [this.modeButtons.week, this.modeButtons.month]),
      h('button', { type: 'button', class: 'new-event', onclick: () => this.openForm(null, this.defaultStart()) }, [t.newEvent]),
    ]);
    root.replaceChildren(
      h('nav', { class: 'pane cal-side', 'aria-label': t.calendars }, [h('h2', { class: 'side-title' }, [t.calendars]), this.calendarList]),
      h('section', { class: 'cal-main', 'aria-label': t.title }, [nav, this.alert, this.grid]),
      this.form,
    );
  }

  async start() {
    if (!this.accountId) {
      this.alert.textContent = t.unavailable;
      return;
    }
    await this.loadCalendars();
    await this.load();
    // The states read last: a push naming them (the first one on connecting) changes nothing.
    this.source = this.jmap.follow((states) => {
      if (states.Calendar && states.Calendar !== this.calendarState) {
        this.loadCalendars().then(() => this.load()).catch(report);
      } else if (states.CalendarEvent && states.CalendarEvent !== this.eventState) {
        this.load().catch(report);
      }
    }, ['Calendar', 'CalendarEvent'], this.accountId);
  }

  stop() {
    this.source?.close();
  }

  async loadCalendars() {
    const r = await this.jmap.call([['Calendar/get', { accountId: this.accountId, ids: null }, 'c'],
      ['ParticipantIdentity/get', { accountId: this.accountId }, 'pi']]);
    /** @type {Array<{ name?: string, calendarAddress?: string, isDefault?: boolean }>} */
    const identities = r.pi.list ?? [];
    const identity = identities.find((i) => i.isDefault) ?? identities[0];
    this.identity = identity?.calendarAddress
      ? { name: identity.name ?? '', email: identity.calendarAddress.replace(/^mailto:/i, '') } : null;
    /** @type {Calendar[]} */
    const list = r.c.list;
    list.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.sortOrder - b.sortOrder || a.name.localeCompare(b.name));
    this.calendars = list;
    this.calendarState = r.c.state;
    this.drawCalendars();
  }

  /** @param {string} id */
  colour(id) {
    const i = this.calendars.findIndex((c) => c.id === id);
    return this.calendars[i]?.color || FALLBACK_COLOURS[Math.max(0, i) % FALLBACK_COLOURS.length];
  }

  drawCalendars() {
    this.calendarList.replaceChildren(...this.calendars.map((c) => {
      const box = h('input', { type: 'checkbox', id: `cal-${c.id}`, checked: !this.hidden.has(c.id),
        onchange: () => {
          if (box.checked) {
            this.hidden.delete(c.id);
          } else {
            this.hidden.add(c.id);
          }
          this.draw();
        } });
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = this.colour(c.id);
      return h('li', {}, [box, h('label', { for: `cal-${c.id}` }, [swatch, c.name])]);
    }));
  }

  /** The first and the day after the last day shown. */
  range() {
    if (this.mode === 'week') {
      const from = weekStart(this.anchor);
      return { from, to: addDays(from, 7) };
    }
    const days = monthDays(this.anchor);
    return { from: days[0], to: addDays(days[41], 1) };
  }

  /** @param {'week' | 'month'} mode */
  setMode(mode) {
    this.mode = mode;
    this.modeButtons.week.setAttribute('aria-pressed', String(mode === 'week'));
    this.modeButtons.month.setAttribute('aria-pressed', String(mode === 'month'));
    this.load().catch(report);
  }

  /** @param {number} by */
  move(by) {
    const a = new Date(this.anchor);
    if (this.mode === 'week') {
      a.setDate(a.getDate() + 7 * by);
    } else {
      a.setDate(1);
      a.setMonth(a.getMonth() + by);
    }
    this.anchor = a;
    this.load().catch(report);
  }

  async load() {
    const { from, to } = this.range();
    const r = await this.jmap.call([
      ['CalendarEvent/query', { accountId: this.accountId, limit: LIMIT,
        filter: { after: utcDate(from), before: utcDate(to) } }, 'q'],
      ['CalendarEvent/get', { accountId: this.accountId, properties: PROPERTIES,
        '#ids': { resultOf: 'q', name: 'CalendarEvent/query', path: '/ids' } }, 'g'],
    ]);
    this.events = r.g.list;
    this.eventState = r.g.state;
    this.draw();
  }

  /** The visible occurrences of the visible calendars' events. */
  spans() {
    const { from, to } = this.range();
    return this.events
      .filter((e) => Object.keys(e.calendarIds).some((id) => !this.hidden.has(id)))
      .flatMap((e) => occurrences(e, from, to).map((span) => ({ event: e, ...span })))
      .sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  draw() {
    const { from, to } = this.range();
    const last = addDays(to, -1);
    const fmt = { year: 'numeric', month: 'long', day: 'numeric' };
    this.title.textContent = this.mode === 'week'
      ? `${from.toLocaleDateString(undefined, /** @type {Intl.DateTimeFormatOptions} */ (fmt))} – ${last.toLocaleDateString(undefined, /** @type {Intl.DateTimeFormatOptions} */ (fmt))}`
      : this.anchor.toLocaleDateString(undefined, { year: 'numeric', month: 'long' });
    if (this.mode === 'week') {
      this.drawWeek(from);
    } else {
      this.drawMonth();
    }
  }

  /** @param {Date} from */
  drawWeek(from) {
    const spans = this.spans();
    const hours = h('div', { class: 'hours', 'aria-hidden': 'true' },
      Array.from({ length: 24 }, (_, i) => h('div', { class: 'hour-label' }, [time(new Date(2000, 0, 1, i))])));
    const columns = Array.from({ length: 7 }, (_, i) => {
      const day = addDays(from, i);
      const column = h('div', { class: 'day-column', role: 'group',
        'aria-label': day.toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric' }),
        onclick: (ev) => {
          const e = /** @type {MouseEvent} */ (ev);
          if (e.target !== column) {
            return;
          }
          const box = column.getBoundingClientRect();
          const hour = Math.min(23, Math.max(0, Math.floor((e.clientY - box.top) / box.height * 24)));
          const start = new Date(day);
          start.setHours(hour);
          this.openForm(null, start);
        } });
      for (const s of spans) {
        const place = onDay(s, day);
        if (!place) {
          continue;
        }
        const chip = this.chip(s.event, s.start, s.end);
        chip.classList.add('timed');
        chip.style.top = `${place.top / 60 * HOUR_REM}rem`;
        chip.style.height = `${(place.bottom - place.top) / 60 * HOUR_REM}rem`;
        column.append(chip);
      }
      return h('div', { class: 'day' }, [
        h('div', { class: 'day-head' }, [day.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })]),
        column,
      ]);
    });
    this.grid.className = 'cal-grid week';
    this.grid.replaceChildren(h('div', { class: 'day' }, [h('div', { class: 'day-head' }), hours]), ...columns);
  }

  drawMonth() {
    const spans = this.spans();
    const month = this.anchor.getMonth();
    const cells = monthDays(this.anchor).map((day) => {
      const list = h('ul', { class: 'day-events' });
      for (const s of spans.filter((x) => onDay(x, day))) {
        list.append(h('li', {}, [this.chip(s.event, s.start, s.end)]));
      }
      const cell = h('div', { class: `month-day${day.getMonth() === month ? '' : ' other-month'}`, role: 'group',
        'aria-label': day.toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric' }),
        onclick: (ev) => {
          const target = /** @type {HTMLElement} */ (ev.target);
          if (target === cell || target === list || target.classList.contains('day-number')) {
            const start = new Date(day);
            start.setHours(9);
            this.openForm(null, start);
          }
        } }, [h('span', { class: 'day-number' }, [String(day.getDate())]), list]);
      return cell;
    });
    this.grid.className = 'cal-grid month';
    this.grid.replaceChildren(...cells);
  }

  /**
   * An event's button in a view.
   * @param {CalendarEvent} e
   * @param {Date} start
   * @param {Date} end
   */
  chip(e, start, end) {
    const calendar = Object.keys(e.calendarIds)[0] ?? '';
    const label = e.showWithoutTime ? e.title : `${time(start)}–${time(end)} ${e.title}`;
    const chip = h('button', { type: 'button', class: 'event', 'data-event': e.id,
      onclick: () => this.openForm(e, start) }, [
      h('span', { class: 'event-time' }, [e.showWithoutTime ? '' : time(start)]),
      h('span', { class: 'event-title' }, [e.title || t.untitled]),
    ]);
    chip.setAttribute('aria-label', label);
    chip.style.borderLeftColor = this.colour(calendar);
    return chip;
  }

  defaultStart() {
    const d = this.mode === 'week' && weekStart(new Date()).getTime() !== weekStart(this.anchor).getTime()
      ? weekStart(this.anchor) : new Date();
    d.setHours(d.getHours() + 1, 0, 0, 0);
    return d;
  }

  /**
   * The event form: a new event at `start` (an hour long), or `event` to edit.
   * @param {CalendarEvent | null} event
   * @param {Date} start
   */
  openForm(event, start) {
    const f = this.fields(event, start);
    const field = (/** @type {HTMLElement} */ input, /** @type {string} */ label) =>
      h('div', { class: 'field' }, [h('label', { for: input.id }, [label]), input]);
    const error = h('p', { class: 'error', role: 'alert' });
    const close = () => this.form.replaceChildren();
    /** @param {() => Promise<string | null>} act */
    const run = (act) => {
      act().then((refused) => {
        if (refused) {
          error.textContent = `${t.failed} ${refused}`;
        } else {
          close();
          return this.load();
        }
        return undefined;
      }).catch((x) => { error.textContent = `${t.failed} ${String(x)}`; report(x); });
    };
    const recurring = Boolean(event?.recurrenceRule || event?.recurrenceRules?.length);
    // Attendees are the organizer's to change; an attendee answers (meeting.js, invitation.js).
    const organizing = !event || event.isOrigin !== false;
    const meeting = new MeetingFields(this.jmap, organizing ? this.identity : null, event?.participants, () => {
      const [from, to] = [new Date(f.from.value), new Date(f.to.value)];
      return to > from ? { from, to } : null;
    });
    f.meeting = meeting;
    const answering = event && !organizing && this.identity
      ? answerButtons(this.jmap, event, this.identity.email, () => { this.load().catch(report); }) : null;
    const form = h('form', { class: 'event-form', 'aria-label': event ? t.editEvent : t.newEvent,
      onsubmit: (e) => { e.preventDefault(); run(() => this.save(event, f)); },
      onkeydown: (e) => { if (/** @type {KeyboardEvent} */ (e).key === 'Escape') { close(); } } }, [
      h('h2', {}, [event ? t.editEvent : t.newEvent]),
      recurring ? h('p', { class: 'notice' }, [t.wholeSeries]) : null,
      field(f.title, t.eventTitle),
      field(f.from, t.start),
      field(f.to, t.end),
      field(f.where, t.location),
      answering,
      event ? answerList(event.participants) : null,
      meeting.element,
      field(f.text, t.description),
      field(f.calendar, t.calendar),
      error,
      h('div', { class: 'actions' }, [
        h('button', { type: 'submit', class: 'send' }, [t.save]),
        event ? h('button', { type: 'button', onclick: () => run(() => this.destroy(event)) }, [t.delete]) : null,
        h('button', { type: 'button', onclick: close }, [t.cancel]),
      ]),
    ]);
    this.form.replaceChildren(form);
    f.title.focus();
  }

  /**
   * The form's inputs, filled from `event` or for a new one at `start`.
   * @param {CalendarEvent | null} event
   * @param {Date} start
   */
  fields(event, start) {
    const writable = this.calendars.filter((c) => c.myRights?.mayWriteAll !== false);
    const first = event ? new Date(event.utcStart) : start;
    const last = event ? new Date(event.utcEnd) : new Date(start.getTime() + 3600 * 1000);
    const text = h('textarea', { id: 'ev-description', rows: '4' });
    text.value = event?.description ?? '';
    const current = event ? Object.keys(event.calendarIds)[0] : undefined;
    return {
      /** @type {MeetingFields | null} */
      meeting: null,
      title: h('input', { id: 'ev-title', required: true, maxlength: '500', value: event?.title ?? '' }),
      from: h('input', { id: 'ev-start', type: 'datetime-local', required: true, value: inputValue(first) }),
      to: h('input', { id: 'ev-end', type: 'datetime-local', required: true, value: inputValue(last) }),
      where: h('input', { id: 'ev-location', maxlength: '500', value: event ? location(event) : '' }),
      text,
      calendar: h('select', { id: 'ev-calendar', disabled: Boolean(event) },
        writable.map((c) => h('option', { value: c.id, selected: c.id === current }, [c.name]))),
    };
  }

  /**
   * Creates or updates the event from the form (CalendarEvent/set); the refusal's text, if any.
   * @param {CalendarEvent | null} event
   * @param {ReturnType<CalendarView['fields']>} f
   * @returns {Promise<string | null>}
   */
  async save(event, f) {
    const startAt = new Date(f.from.value);
    const endAt = new Date(f.to.value);
    if (!(endAt > startAt)) {
      return t.endBeforeStart;
    }
    const props = {
      title: f.title.value,
      start: localDateTime(startAt),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      duration: duration(endAt.getTime() - startAt.getTime()),
      showWithoutTime: false,
      description: f.text.value,
      locations: f.where.value.trim() ? { l1: { '@type': 'Location', name: f.where.value.trim() } } : null,
    };
    const meeting = f.meeting?.value() ?? { participants: null, schedule: false };
    if (f.meeting?.me) {
      Object.assign(props, { participants: meeting.participants, organizerCalendarAddress: meeting.organizer ?? null });
    }
    const args = event
      ? { update: { [event.id]: props } }
      : { create: { n: { '@type': 'Event', calendarIds: { [f.calendar.value]: true },
        ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null && v !== '')) } } };
    const r = await this.jmap.call([['CalendarEvent/set', { accountId: this.accountId, ...args,
      ...(meeting.schedule ? { sendSchedulingMessages: true } : {}) }, 's']]);
    const refused = r.s.notCreated?.n ?? (event ? r.s.notUpdated?.[event.id] : null);
    return refused ? refused.description ?? refused.type : null;
  }

  /**
   * Deletes the event (CalendarEvent/set destroy); the refusal's text, if any.
   * @param {CalendarEvent} event
   * @returns {Promise<string | null>}
   */
  async destroy(event) {
    // A meeting's attendees are told (a cancel, or the attendee's decline).
    const schedule = event.participants ? { sendSchedulingMessages: true } : {};
    const r = await this.jmap.call([['CalendarEvent/set', { accountId: this.accountId, destroy: [event.id], ...schedule }, 's']]);
    const refused = r.s.notDestroyed?.[event.id];
    return refused ? refused.description ?? refused.type : null;
  }
}
