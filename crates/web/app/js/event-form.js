// The event form's fields (calendar.js builds the form around them and saves what they say):
// title, all day, start and end (date-times, or dates for an all-day event: the end is its last
// day), location, description, calendar, and how the event repeats (repeat.js: none, daily,
// weekly on days, monthly, yearly; every n; never ending, until a day, or a number of times).
// A rule the fields cannot show is kept as it is, and said so.

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { inputValue, addDays } from './occurrences.js';
import { FREQUENCIES, WEEKDAYS, MAX_INTERVAL, MAX_COUNT, repeatOf } from './repeat.js';

const t = strings.calendar;

/**
 * @typedef {import('./calendar.js').CalendarEvent} CalendarEvent
 * @typedef {import('./repeat.js').Repeat} Repeat
 * @typedef {{ key: string, name: string }} Choice a calendar the event may go in (account/calendar)
 */

/** @param {Date} d */
function dateValue(d) {
  return inputValue(d).slice(0, 10);
}

/**
 * A weekday's short name (0 Sunday) in the page's language.
 * @param {number} i
 */
function weekdayName(i) {
  return new Date(2023, 0, 1 + i).toLocaleDateString(locale, { weekday: 'short' });
}

/** @param {Date} d */
function midnight(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

export class EventFields {
  /**
   * @param {CalendarEvent | null} event
   * @param {{ start: Date, end: Date }} span the occurrence's, or the new event's
   * @param {Choice[]} calendars
   * @param {string | undefined} current the event's calendar (key)
   */
  constructor(event, span, calendars, current) {
    this.allDay = h('input', { id: 'ev-all-day', type: 'checkbox', checked: Boolean(event?.showWithoutTime),
      onchange: () => this.retype() });
    this.title = h('input', { id: 'ev-title', required: true, maxlength: '500', value: event?.title ?? '' });
    this.from = h('input', { id: 'ev-start', type: 'datetime-local', required: true, value: inputValue(span.start) });
    this.to = h('input', { id: 'ev-end', type: 'datetime-local', required: true, value: inputValue(span.end) });
    if (event?.showWithoutTime) {
      this.retype(span);
    }
    this.where = h('input', { id: 'ev-location', maxlength: '500',
      value: Object.values(event?.locations ?? {}).map((l) => l.name ?? '').filter(Boolean).join(', ') });
    this.text = h('textarea', { id: 'ev-description', rows: '4' });
    this.text.value = event?.description ?? '';
    this.calendar = h('select', { id: 'ev-calendar', disabled: Boolean(event) },
      calendars.map((c) => h('option', { value: c.key, selected: c.key === current }, [c.name])));
    const rules = event?.recurrenceRules ?? (event?.recurrenceRule ? [event.recurrenceRule] : []);
    /** The fields' repeat as read from the event (null: a rule they cannot show). */
    this.initial = repeatOf(rules, span.start);
    this.repeat = this.repeatFields(this.initial);
  }

  /**
   * Switches start and end between date-times and dates (all day: the end is the last day).
   * @param {{ start: Date, end: Date }} [span]
   */
  retype(span) {
    const start = span?.start ?? new Date(this.from.value);
    const end = span?.end ?? new Date(this.to.value);
    if (this.allDay.checked) {
      const last = span ? addDays(end, -1) : end;
      this.from.type = 'date';
      this.to.type = 'date';
      this.from.value = Number.isNaN(start.getTime()) ? '' : dateValue(start);
      this.to.value = Number.isNaN(last.getTime()) ? '' : dateValue(last < start ? start : last);
    } else {
      const s = Number.isNaN(start.getTime()) ? new Date() : start;
      s.setHours(9, 0, 0, 0);
      this.from.type = 'datetime-local';
      this.to.type = 'datetime-local';
      this.from.value = inputValue(s);
      this.to.value = inputValue(new Date(s.getTime() + 3600e3));
    }
  }

  /**
   * The repeat fields, filled from `r` (null: the event's rule is kept, the fields shown off).
   * @param {Repeat | null} r
   */
  repeatFields(r) {
    const v = r ?? { frequency: 'none', interval: 1, days: [], ends: 'never', until: '', count: 10 };
    const frequency = h('select', { id: 'ev-repeat', onchange: () => this.showRepeat() },
      [...(r ? [] : [h('option', { value: 'custom', selected: true }, [t.customRule])]),
        ...FREQUENCIES.map((f) => h('option', { value: f, selected: r !== null && f === v.frequency }, [t.repeats[f]]))]);
    const interval = h('input', { id: 'ev-interval', type: 'number', min: '1', max: String(MAX_INTERVAL),
      value: String(v.interval) });
    const days = WEEKDAYS.map((d, i) => h('input', { type: 'checkbox', value: d, id: `ev-day-${d}`,
      checked: v.days.includes(d), 'aria-label': weekdayName(i) }));
    const ends = h('select', { id: 'ev-ends', onchange: () => this.showRepeat() },
      /** @type {const} */ (['never', 'until', 'count']).map((e) => h('option', { value: e, selected: e === v.ends }, [t.endsWhen[e]])));
    const until = h('input', { id: 'ev-until', type: 'date', value: v.until });
    const count = h('input', { id: 'ev-count', type: 'number', min: '1', max: String(MAX_COUNT), value: String(v.count) });
    const dayBox = h('fieldset', { class: 'repeat-days' }, [h('legend', {}, [t.onDays]),
      ...days.map((box, i) => h('label', { for: box.id }, [box, weekdayName(i)]))]);
    const more = h('div', { class: 'repeat-more' }, [
      h('div', { class: 'field' }, [h('label', { for: 'ev-interval' }, [t.every]), interval]),
      dayBox,
      h('div', { class: 'field' }, [h('label', { for: 'ev-ends' }, [t.ends]), ends]),
      h('div', { class: 'field repeat-until' }, [h('label', { for: 'ev-until' }, [t.until]), until]),
      h('div', { class: 'field repeat-count' }, [h('label', { for: 'ev-count' }, [t.count]), count]),
    ]);
    const element = h('fieldset', { class: 'repeat' }, [h('legend', {}, [t.repetition]),
      h('div', { class: 'field' }, [h('label', { for: 'ev-repeat' }, [t.repeat]), frequency]), more]);
    const fields = { element, frequency, interval, days, ends, until, count, dayBox, more };
    queueMicrotask(() => this.showRepeat());
    return fields;
  }

  /** Shows the repeat fields that apply. */
  showRepeat() {
    const r = this.repeat;
    const f = r.frequency.value;
    r.more.hidden = f === 'none' || f === 'custom';
    r.dayBox.hidden = f !== 'weekly';
    // Weekly on no day yet: on the start's.
    const start = this.span()?.start;
    if (f === 'weekly' && start && !r.days.some((d) => d.checked)) {
      r.days[start.getDay()].checked = true;
    }
    /** @type {HTMLElement} */ (r.until.parentElement).hidden = r.ends.value !== 'until';
    /** @type {HTMLElement} */ (r.count.parentElement).hidden = r.ends.value !== 'count';
  }

  /** The repeat the fields say, or null for the event's own rule kept. @returns {Repeat | null} */
  repeatValue() {
    const r = this.repeat;
    if (r.frequency.value === 'custom') {
      return null;
    }
    return { frequency: /** @type {Repeat['frequency']} */ (r.frequency.value),
      interval: Number(r.interval.value) || 1, days: r.days.filter((d) => d.checked).map((d) => d.value),
      ends: /** @type {Repeat['ends']} */ (r.ends.value), until: r.until.value, count: Number(r.count.value) || 1 };
  }

  /** Whether the repeat fields say something else than the event did. */
  repeatChanged() {
    return JSON.stringify(this.repeatValue()) !== JSON.stringify(this.initial);
  }

  /**
   * The start and end the fields say (an all-day event: from the first day's midnight to the
   * midnight after the last), or null when they are not in order.
   */
  span() {
    if (this.allDay.checked) {
      const [a, b] = [this.from.value, this.to.value].map((v) => (/^\d{4}-\d\d-\d\d$/.test(v) ? new Date(`${v}T00:00:00`) : null));
      return a && b && b >= a ? { start: midnight(a), end: addDays(midnight(b), 1) } : null;
    }
    const [start, end] = [new Date(this.from.value), new Date(this.to.value)];
    return end > start ? { start, end } : null;
  }

  /** Disables every field (a calendar the user may only read). */
  readOnly() {
    for (const el of [this.allDay, this.title, this.from, this.to, this.where, this.text, this.calendar,
      this.repeat.frequency, this.repeat.interval, ...this.repeat.days, this.repeat.ends, this.repeat.until, this.repeat.count]) {
      el.disabled = true;
    }
  }
}
