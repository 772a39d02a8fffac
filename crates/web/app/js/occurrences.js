// The calendar's time arithmetic, pure (no DOM, no server; tested under node:test): the days a
// week or month view shows, in the browser's time zone, and the occurrences of an event inside
// them. The server does not expand recurrences (its JMAP session says maxExpandedQueryDuration
// PT0S), so the page expands the simple rules itself — FREQ daily or weekly with an interval,
// a count or an until, weekly on the start's own weekday — and only within the visible range.
// Steps are taken in the browser's local time, so a series made in the browser's zone keeps its
// wall-clock time across a DST change. Other rules (monthly, yearly, BYDAY lists…) show their
// first occurrence only; an occurrence excluded by a recurrenceOverride (`excluded: true`) is
// left out when its key is the local time in the browser's zone.

const DAY = 24 * 60 * 60 * 1000;
/** At most this many occurrences are walked per event and range. */
const MAX_STEPS = 1000;

/**
 * @typedef {{ frequency: string, interval?: number, count?: number | null, until?: string | null,
 *   byDay?: { day: string }[] | null, byMonthDay?: number[] | null, byMonth?: string[] | null,
 *   bySetPosition?: number[] | null, byHour?: number[] | null }} RecurrenceRule
 * @typedef {{ utcStart: string, utcEnd: string, recurrenceRule?: RecurrenceRule | null,
 *   recurrenceRules?: RecurrenceRule[] | null,
 *   recurrenceOverrides?: Record<string, { excluded?: boolean }> | null }} Timed
 * @typedef {{ start: Date, end: Date }} Span
 */

/**
 * Midnight (local) of the Monday on or before `d`.
 * @param {Date} d
 */
export function weekStart(d) {
  const day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  day.setDate(day.getDate() - ((day.getDay() + 6) % 7));
  return day;
}

/**
 * The 42 days (six weeks from a Monday) of the month view of `d`'s month.
 * @param {Date} d
 * @returns {Date[]}
 */
export function monthDays(d) {
  const first = weekStart(new Date(d.getFullYear(), d.getMonth(), 1));
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
 * Whether the page can expand this rule (see the module's comment).
 * @param {RecurrenceRule} rule
 * @param {Date} start
 */
function simple(rule, start) {
  if (rule.frequency !== 'daily' && rule.frequency !== 'weekly') {
    return false;
  }
  if (rule.byMonthDay?.length || rule.byMonth?.length || rule.bySetPosition?.length || rule.byHour?.length) {
    return false;
  }
  const days = rule.byDay ?? [];
  const own = ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'][start.getDay()];
  return days.length === 0 || (rule.frequency === 'weekly' && days.length === 1 && days[0].day === own);
}

/**
 * The occurrences of an event that overlap [from, to), in time order.
 * @param {Timed} event
 * @param {Date} from
 * @param {Date} to
 * @returns {Span[]}
 */
export function occurrences(event, from, to) {
  const start = new Date(event.utcStart);
  const length = Math.max(0, new Date(event.utcEnd).getTime() - start.getTime());
  const rules = event.recurrenceRules ?? (event.recurrenceRule ? [event.recurrenceRule] : []);
  const overlaps = (/** @type {Date} */ s) => s < to && s.getTime() + length > from.getTime()
    || (length === 0 && s >= from && s < to);
  const rule = rules[0];
  if (rules.length !== 1 || !rule || !simple(rule, start)) {
    return overlaps(start) ? [{ start, end: new Date(start.getTime() + length) }] : [];
  }
  const step = (rule.interval ?? 1) * (rule.frequency === 'weekly' ? 7 : 1);
  const until = rule.until ? new Date(rule.until) : null;
  const excluded = event.recurrenceOverrides ?? {};
  /** @type {Span[]} */
  const out = [];
  // Jump close to the range first: whole steps that end before it.
  let n = Math.max(0, Math.floor((from.getTime() - length - start.getTime()) / (step * DAY)) - 1);
  for (let walked = 0; walked < MAX_STEPS; walked += 1, n += 1) {
    if (rule.count && n >= rule.count) {
      break;
    }
    const s = addDays(start, n * step);
    if (s >= to || (until && s > until)) {
      break;
    }
    if (overlaps(s) && !excluded[localDateTime(s)]?.excluded) {
      out.push({ start: s, end: new Date(s.getTime() + length) });
    }
  }
  return out;
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
