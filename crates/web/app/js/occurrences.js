// The calendar's time arithmetic, pure (no DOM, no server; tested under node:test): the days a
// view shows, in the browser's time zone, and the occurrences of an event inside them. The
// server does not expand recurrences (its JMAP session says maxExpandedQueryDuration PT0S), so
// the page expands the rules itself (RFC 8984 §4.3.3, RFC 5545 §3.3.10), only within the visible
// range: daily, weekly on days, monthly on days of the month or the nth weekday, yearly on
// months and days, with an interval, a count or an until. The steps are taken on the event's own
// wall clock (its `timeZone`; an all-day or floating event's is the browser's), so a series
// keeps its time across DST changes, and each occurrence's recurrence id is that wall-clock
// time, the key of `recurrenceOverrides` (§4.3.5): an override excludes its occurrence, or
// patches it (moved, retimed, renamed), or adds one the rule does not make. The start is always
// the first occurrence (§4.3.3). bySetPosition picks among a period's days ("the last
// weekday of the month"). Rules past this (byHour, byMinute, byYearDay, byWeekNo, several
// rules…) show their first occurrence and their overrides only.

import { instant, wallTime } from './zone.js';

const DAY = 24 * 60 * 60 * 1000;
/** At most this many periods (days, weeks, months, years) are walked per event and range. */
const MAX_STEPS = 5000;
/** At most this many overrides are read per event. */
const MAX_OVERRIDES = 2000;
const WEEKDAYS = ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'];

/**
 * @typedef {{ frequency: string, interval?: number, count?: number | null, until?: string | null,
 *   firstDayOfWeek?: string | null, rscale?: string | null,
 *   byDay?: { day: string, nthOfPeriod?: number | null }[] | null, byMonthDay?: number[] | null,
 *   byMonth?: string[] | null, byYearDay?: number[] | null, byWeekNo?: number[] | null,
 *   bySetPosition?: number[] | null, byHour?: number[] | null, byMinute?: number[] | null,
 *   bySecond?: number[] | null }} RecurrenceRule
 * @typedef {{ excluded?: boolean, start?: string, timeZone?: string | null, duration?: string,
 *   title?: string, [key: string]: unknown }} Override
 * @typedef {{ utcStart: string, utcEnd: string, start?: string, timeZone?: string | null,
 *   duration?: string, showWithoutTime?: boolean,
 *   recurrenceRule?: RecurrenceRule | null, recurrenceRules?: RecurrenceRule[] | null,
 *   recurrenceOverrides?: Record<string, Override> | null }} Timed
 * @typedef {{ start: Date, end: Date, recurrenceId?: string | null, override?: Override | null }} Span
 */

/**
 * Midnight (local) of the first day of the week (0 Sunday … 6 Saturday; Monday unless told) on
 * or before `d`.
 * @param {Date} d
 * @param {number} [firstDay]
 */
export function weekStart(d, firstDay = 1) {
  const day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  day.setDate(day.getDate() - ((day.getDay() - firstDay + 7) % 7));
  return day;
}

/**
 * The 42 days (six weeks from the week's first day) of the month view of `d`'s month.
 * @param {Date} d
 * @param {number} [firstDay]
 * @returns {Date[]}
 */
export function monthDays(d, firstDay = 1) {
  const first = weekStart(new Date(d.getFullYear(), d.getMonth(), 1), firstDay);
  return Array.from({ length: 42 }, (_, i) => addDays(first, i));
}

/**
 * @param {Date} d
 * @param {number} n
 */
export function addDays(d, n) {
  const r = new Date(d);
  r.setDate(r.getDate() + n);
  return r;
}

/** @param {number} n */
function pad(n) {
  return String(n).padStart(2, '0');
}

/**
 * A local date-time as JMAP's LocalDateTime (`2026-12-07T09:30:00`), in the browser's zone.
 * @param {Date} d
 */
export function localDateTime(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * The value of an `<input type="datetime-local">` (minutes) for `d`.
 * @param {Date} d
 */
export function inputValue(d) {
  return localDateTime(d).slice(0, 16);
}

/**
 * A UTC instant as JMAP's UTCDate without milliseconds (`2026-12-07T08:30:00Z`).
 * @param {Date} d
 */
export function utcDate(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A positive span of milliseconds as an ISO 8601 duration (`PT1H30M`, `P1DT2H`).
 * @param {number} ms
 */
export function duration(ms) {
  let s = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  const time = (hours ? `${hours}H` : '') + (minutes ? `${minutes}M` : '') + (s ? `${s}S` : '');
  if (!days && !time) {
    return 'PT0S';
  }
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/**
 * The milliseconds of a JSCalendar Duration (RFC 8984 §1.4.6: `P1W`, `P1DT2H30M`; a day read as
 * 24 hours), or null when it is none.
 * @param {string} text
 */
export function parseDuration(text) {
  const m = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6}(?:\.\d{1,9})?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    return null;
  }
  const [w, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

/** A calendar day as a day number (days since 1970-01-01), with the civil fields of one. */
const civil = {
  /** @param {number} y @param {number} m 1–12 @param {number} d */
  day: (y, m, d) => Math.round(Date.UTC(y, m - 1, d) / DAY),
  /** @param {number} n */
  fields: (n) => {
    const d = new Date(n * DAY);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), weekday: d.getUTCDay() };
  },
  /** @param {number} y @param {number} m */
  monthLength: (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate(),
};

/**
 * The days (day numbers) a rule makes in its `p`-th period from the start's, in order;
 * the start is day number `first`.
 * @param {RecurrenceRule} rule
 * @param {number} first
 * @param {number} p
 * @returns {number[]}
 */
function periodDays(rule, first, p) {
  return setPositions(rule, candidateDays(rule, first, p));
}

/**
 * The days of period `p` the rule's BY* parts other than bySetPosition allow, in order.
 * @param {RecurrenceRule} rule
 * @param {number} first
 * @param {number} p
 * @returns {number[]}
 */
function candidateDays(rule, first, p) {
  const interval = Math.max(1, Math.min(10000, Math.trunc(rule.interval ?? 1)));
  const start = civil.fields(first);
  const byDay = rule.byDay ?? [];
  const weekdays = byDay.map((b) => WEEKDAYS.indexOf(b.day)).filter((i) => i >= 0);
  if (rule.frequency === 'daily') {
    const n = first + p * interval;
    return !weekdays.length || weekdays.includes(civil.fields(n).weekday) ? [n] : [];
  }
  if (rule.frequency === 'weekly') {
    const wkst = Math.max(0, WEEKDAYS.indexOf(rule.firstDayOfWeek ?? 'mo'));
    const week = first - ((start.weekday - wkst + 7) % 7) + p * interval * 7;
    const days = weekdays.length ? weekdays : [start.weekday];
    return [...new Set(days.map((wd) => week + ((wd - wkst + 7) % 7)))].sort((a, b) => a - b);
  }
  if (rule.frequency === 'monthly') {
    const months = start.y * 12 + (start.m - 1) + p * interval;
    return monthDaysOf(rule, Math.floor(months / 12), (months % 12) + 1, start.d);
  }
  const y = start.y + p * interval;
  const months = (rule.byMonth ?? [String(start.m)]).map(Number).filter((m) => m >= 1 && m <= 12);
  return months.sort((a, b) => a - b).flatMap((m) => monthDaysOf(rule, y, m, start.d));
}

/**
 * RFC 5545 §3.3.10 BYSETPOS: of a period's candidates (days here: the page expands no BYHOUR),
 * those at the positions named — 1 the first, -1 the last —, in order.
 * @param {RecurrenceRule} rule
 * @param {number[]} days
 */
function setPositions(rule, days) {
  const positions = (rule.bySetPosition ?? []).filter((n) => Number.isInteger(n) && n !== 0 && Math.abs(n) <= 366);
  if (positions.length === 0) {
    return days;
  }
  const picked = positions.map((n) => days[n > 0 ? n - 1 : days.length + n]).filter((d) => d !== undefined);
  return [...new Set(picked)].sort((a, b) => a - b);
}

/**
 * The days of month `m` of year `y` a monthly or yearly rule names: its byMonthDay (negative
 * from the end), its byDay (every such weekday, or the nth), else the start's day — a day the
 * month lacks is none (RFC 5545 §3.3.10).
 * @param {RecurrenceRule} rule
 * @param {number} y
 * @param {number} m
 * @param {number} ownDay
 */
function monthDaysOf(rule, y, m, ownDay) {
  const length = civil.monthLength(y, m);
  const first = civil.day(y, m, 1);
  /** @type {number[]} */
  let days = [];
  if (rule.byDay?.length) {
    const firstWeekday = civil.fields(first).weekday;
    for (const b of rule.byDay) {
      const wd = WEEKDAYS.indexOf(b.day);
      if (wd < 0) {
        continue;
      }
      const all = [];
      for (let d = 1 + ((wd - firstWeekday + 7) % 7); d <= length; d += 7) {
        all.push(d);
      }
      const nth = b.nthOfPeriod ?? 0;
      days.push(...(nth === 0 ? all : [all[nth > 0 ? nth - 1 : all.length + nth]].filter((d) => d !== undefined)));
    }
    if (rule.byMonthDay?.length) {
      const named = rule.byMonthDay.map((d) => (d < 0 ? length + d + 1 : d));
      days = days.filter((d) => named.includes(d));
    }
  } else {
    days = (rule.byMonthDay?.length ? rule.byMonthDay : [ownDay]).map((d) => (d < 0 ? length + d + 1 : d));
  }
  return [...new Set(days.filter((d) => d >= 1 && d <= length))].sort((a, b) => a - b).map((d) => first + d - 1);
}

/**
 * Whether the page expands this rule (see the module's comment).
 * @param {RecurrenceRule} rule
 */
function expandable(rule) {
  const parts = [rule.byHour, rule.byMinute, rule.bySecond, rule.byYearDay, rule.byWeekNo];
  return ['daily', 'weekly', 'monthly', 'yearly'].includes(rule.frequency)
    && (!rule.rscale || rule.rscale === 'gregorian') && parts.every((x) => !x?.length);
}

/**
 * The event's first occurrence as a LocalDateTime in its zone, and that zone (null: the
 * browser's, for an all-day or floating event).
 * @param {Timed} event
 */
function startOf(event) {
  const zone = event.showWithoutTime ? null : event.timeZone ?? null;
  const local = event.start && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(event.start)
    ? event.start : wallTime(new Date(event.utcStart), zone);
  return { local, zone };
}

/**
 * The event's length in milliseconds: its duration, or utcEnd − utcStart.
 * @param {Timed} event
 */
function lengthOf(event) {
  const d = event.duration ? parseDuration(event.duration) : null;
  return d ?? Math.max(0, new Date(event.utcEnd).getTime() - new Date(event.utcStart).getTime());
}

/**
 * The recurrence ids (LocalDateTimes on the event's wall clock) a rule makes from `local` on,
 * in order, up to `before` (an instant) — from near `after` when the count does not need the
 * walk from the start.
 * @param {RecurrenceRule} rule
 * @param {string} local the start
 * @param {(local: string) => Date | null} at the instant of a LocalDateTime
 * @param {{ after: Date, before: Date }} window
 * @returns {string[]}
 */
function ruleStarts(rule, local, at, { after, before }) {
  const [y, m, d] = local.slice(0, 10).split('-').map(Number);
  const time = local.slice(10);
  const first = civil.day(y, m, d);
  const firstAt = at(local);
  const count = rule.count && rule.count > 0 ? rule.count : null;
  // An until of a date alone takes in that whole day.
  const until = rule.until ? rule.until.replace(/Z$/, '') + (rule.until.length === 10 ? 'T23:59:59' : '') : null;
  const period = { daily: 1, weekly: 7, monthly: 31, yearly: 366 }[rule.frequency] ?? 1;
  const interval = Math.max(1, Math.trunc(rule.interval ?? 1));
  let p = 0;
  if (!count && firstAt) {
    p = Math.max(0, Math.floor((after.getTime() - firstAt.getTime()) / (period * interval * DAY)) - 1);
  }
  const out = p === 0 ? [local] : [];
  let made = 1;
  for (let walked = 0; walked < MAX_STEPS; walked += 1, p += 1) {
    for (const n of periodDays(rule, first, p)) {
      const f = civil.fields(n);
      const id = `${f.y}-${pad(f.m)}-${pad(f.d)}${time}`;
      if (id <= local) {
        continue;
      }
      const when = at(id);
      if ((count && made >= count) || (until && id > until) || !when || when >= before) {
        return out;
      }
      made += 1;
      out.push(id);
    }
  }
  return out;
}

/**
 * The occurrences of an event that overlap [from, to), in time order, each with its
 * recurrence id (null for an event that does not recur) and its override, if any.
 * @param {Timed} event
 * @param {Date} from
 * @param {Date} to
 * @returns {Span[]}
 */
export function occurrences(event, from, to) {
  const { local, zone } = startOf(event);
  const length = lengthOf(event);
  const at = (/** @type {string} */ id) => instant(id, zone);
  const overlaps = (/** @type {Date} */ s, /** @type {number} */ len) => (s < to && s.getTime() + len > from.getTime())
    || (len === 0 && s >= from && s < to);
  const rules = event.recurrenceRules ?? (event.recurrenceRule ? [event.recurrenceRule] : []);
  const start = at(local) ?? new Date(event.utcStart);
  if (!rules.length) {
    return overlaps(start, length) ? [{ start, end: new Date(start.getTime() + length), recurrenceId: null, override: null }] : [];
  }
  const overrides = Object.entries(event.recurrenceOverrides ?? {}).slice(0, MAX_OVERRIDES);
  const overridden = new Set(overrides.map(([id]) => id));
  const ids = rules.length === 1 && expandable(rules[0])
    ? ruleStarts(rules[0], local, at, { after: new Date(from.getTime() - length), before: to }) : [local];
  /** @type {Span[]} */
  const out = [];
  for (const id of ids) {
    const s = at(id);
    if (s && !overridden.has(id) && overlaps(s, length)) {
      out.push({ start: s, end: new Date(s.getTime() + length), recurrenceId: id, override: null });
    }
  }
  for (const [id, patch] of overrides) {
    if (!patch || typeof patch !== 'object' || patch.excluded) {
      continue;
    }
    const s = typeof patch.start === 'string' ? instant(patch.start, patch.timeZone ?? zone) : at(id);
    const len = typeof patch.duration === 'string' ? parseDuration(patch.duration) ?? length : length;
    if (s && overlaps(s, len)) {
      out.push({ start: s, end: new Date(s.getTime() + len), recurrenceId: id, override: patch });
    }
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/**
 * The part of [start, end) on the local day beginning at `day`, as minutes from midnight, or
 * null when the span is not on that day.
 * @param {Span} span
 * @param {Date} day local midnight
 * @returns {{ top: number, bottom: number } | null}
 */
export function onDay(span, day) {
  const next = addDays(day, 1);
  if (span.start >= next || span.end <= day && !(span.end.getTime() === span.start.getTime() && span.start >= day)) {
    return null;
  }
  const minutes = (/** @type {Date} */ d) => (d.getTime() - day.getTime()) / 60000;
  const dayLength = (next.getTime() - day.getTime()) / 60000;
  const top = Math.max(0, minutes(span.start));
  const bottom = Math.min(dayLength, minutes(span.end));
  return { top, bottom: Math.max(bottom, top + 15) };
}
