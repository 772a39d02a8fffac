// Repeating events and their occurrences, pure (no DOM; tested under node:test): the rule the
// event form's repeat fields make (RFC 8984 §4.3.3 RecurrenceRule: daily, weekly on days,
// monthly on the start's day, yearly; every n; until a day or a count) and the fields a rule
// reads back as (null: a rule the form cannot show, kept as it is); and what "this occurrence"
// and "all occurrences" write (draft-ietf-jmap-calendars CalendarEvent/set): one occurrence
// is a patch of `recurrenceOverrides` under its recurrence id (§4.3.5), its changes against
// the series (or `excluded: true` to delete it); all of them is the series itself, its start
// moved on the wall clock as much as the occurrence was.

import { wallTime, instant } from './zone.js';
import { moved } from './layout.js';

export const FREQUENCIES = /** @type {const} */ (['none', 'daily', 'weekly', 'monthly', 'yearly']);
export const WEEKDAYS = /** @type {const} */ (['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa']);
/** The most a form's interval and count may be. */
export const MAX_INTERVAL = 99;
export const MAX_COUNT = 999;

/**
 * @typedef {import('./occurrences.js').RecurrenceRule} RecurrenceRule
 * @typedef {import('./occurrences.js').Override} Override
 * @typedef {typeof FREQUENCIES[number]} Frequency
 * @typedef {{ frequency: Frequency, interval: number, days: string[], ends: 'never' | 'until' | 'count',
 *   until: string, count: number }} Repeat the form's fields (`until` a date, YYYY-MM-DD)
 */

/**
 * The rule of the form's fields for an event starting at `start` (local), or null (no repeat);
 * a weekly rule without days repeats on the start's.
 * @param {Repeat} r
 * @param {Date} start
 * @returns {RecurrenceRule | null}
 */
export function ruleOf(r, start) {
  if (r.frequency === 'none' || !FREQUENCIES.includes(r.frequency)) {
    return null;
  }
  /** @type {RecurrenceRule & { '@type': string }} */
  const rule = { '@type': 'RecurrenceRule', frequency: r.frequency };
  const interval = Math.trunc(r.interval);
  if (interval > 1) {
    rule.interval = Math.min(MAX_INTERVAL, interval);
  }
  if (r.frequency === 'weekly') {
    const own = WEEKDAYS[start.getDay()];
    const days = WEEKDAYS.filter((d) => r.days.includes(d));
    rule.byDay = (days.length ? days : [own]).map((day) => ({ '@type': 'NDay', day }));
  }
  if (r.ends === 'count') {
    rule.count = Math.max(1, Math.min(MAX_COUNT, Math.trunc(r.count) || 1));
  } else if (r.ends === 'until' && /^\d{4}-\d\d-\d\d$/.test(r.until)) {
    // The whole of that day (a LocalDateTime in the event's zone, RFC 8984 §4.3.3).
    rule.until = `${r.until}T23:59:59`;
  }
  return rule;
}

/**
 * The form's fields for an event's rules: no repeat (on no day yet), or the one rule the form
 * can show; null for one it cannot (kept as it is).
 * @param {RecurrenceRule[]} rules
 * @param {Date} start
 * @returns {Repeat | null}
 */
export function repeatOf(rules, start) {
  const none = { frequency: /** @type {Frequency} */ ('none'), interval: 1, days: /** @type {string[]} */ ([]),
    ends: /** @type {'never'} */ ('never'), until: '', count: 10 };
  if (!rules.length) {
    return none;
  }
  const [rule] = rules;
  const f = /** @type {Frequency} */ (rule.frequency);
  const weeklyDays = f === 'weekly' && (rule.byDay ?? []).every((b) => !b.nthOfPeriod && WEEKDAYS.includes(/** @type {any} */ (b.day)));
  const other = [rule.byMonthDay, rule.byMonth, rule.byYearDay, rule.byWeekNo, rule.bySetPosition, rule.byHour,
    rule.byMinute, rule.bySecond].some((x) => x?.length) || (f !== 'weekly' && rule.byDay?.length);
  if (rules.length > 1 || !FREQUENCIES.includes(f) || f === 'none' || other || (f === 'weekly' && !weeklyDays)
    || (rule.rscale && rule.rscale !== 'gregorian')) {
    return null;
  }
  const until = rule.until ? rule.until.slice(0, 10) : '';
  return { frequency: f, interval: Math.max(1, rule.interval ?? 1),
    days: f === 'weekly' ? (rule.byDay?.length ? rule.byDay.map((b) => b.day) : [WEEKDAYS[start.getDay()]]) : none.days,
    ends: rule.count ? 'count' : until ? 'until' : 'never', until, count: rule.count ?? 10 };
}

/**
 * RFC 6901: a key as one part of a patch's path.
 * @param {string} key
 */
function pointer(key) {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The properties of `changes` whose value differs from the series' (what an override says).
 * @param {Record<string, unknown>} series
 * @param {Record<string, unknown>} changes
 */
export function changedFrom(series, changes) {
  const same = (/** @type {unknown} */ a, /** @type {unknown} */ b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return Object.fromEntries(Object.entries(changes).filter(([k, v]) => !same(series[k], v)));
}

/**
 * The CalendarEvent/set update of one occurrence (its recurrence id) with `changes` added to
 * its override — by a path into `recurrenceOverrides` when the event has some (RFC 8620 §5.3:
 * each part but the last must exist), else the whole property. `replace` drops what the
 * override said before (an excluded occurrence says nothing else).
 * @param {{ recurrenceOverrides?: Record<string, Override> | null }} event
 * @param {string} recurrenceId
 * @param {Override} changes
 * @param {boolean} [replace]
 */
export function overridePatch(event, recurrenceId, changes, replace = false) {
  const old = event.recurrenceOverrides ?? {};
  const override = replace ? { ...changes } : { ...(old[recurrenceId] ?? {}), ...changes };
  if (Object.keys(old).length) {
    return { [`recurrenceOverrides/${pointer(recurrenceId)}`]: override };
  }
  return { recurrenceOverrides: { [recurrenceId]: override } };
}

/**
 * The override of one occurrence as the event form says it: what the override said of other
 * properties kept, the form's own (`changes` holds those that differ from the series) as the
 * form says — one set back to the series' value is no longer overridden.
 * @param {{ recurrenceOverrides?: Record<string, Override> | null }} event
 * @param {string} recurrenceId
 * @param {string[]} formKeys
 * @param {Override} changes
 */
export function formOverride(event, recurrenceId, formKeys, changes) {
  const old = event.recurrenceOverrides?.[recurrenceId] ?? {};
  const kept = Object.fromEntries(Object.entries(old).filter(([k]) => !formKeys.includes(k)));
  return overridePatch(event, recurrenceId, { ...kept, ...changes }, true);
}

/**
 * The update deleting one occurrence.
 * @param {{ recurrenceOverrides?: Record<string, Override> | null }} event
 * @param {string} recurrenceId
 */
export function excludePatch(event, recurrenceId) {
  return overridePatch(event, recurrenceId, { excluded: true }, true);
}

/**
 * How far `to` is from `from` on the wall clock: whole days and minutes.
 * @param {Date} from
 * @param {Date} to
 */
export function wallDelta(from, to) {
  const day = (/** @type {Date} */ d) => Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86400e3);
  const minute = (/** @type {Date} */ d) => d.getHours() * 60 + d.getMinutes();
  return { days: day(to) - day(from), minutes: minute(to) - minute(from) };
}

/**
 * The rule with its weekdays moved by `days` (a weekly series moved to another day goes on
 * the days as far from the new start as from the old).
 * @param {RecurrenceRule} rule
 * @param {number} days
 * @returns {RecurrenceRule}
 */
export function shiftedRule(rule, days) {
  const by = ((days % 7) + 7) % 7;
  if (!by || !rule.byDay?.length || rule.frequency !== 'weekly') {
    return rule;
  }
  const byDay = rule.byDay.map((b) => {
    const i = WEEKDAYS.indexOf(/** @type {any} */ (b.day));
    return i < 0 ? b : { ...b, day: WEEKDAYS[(i + by) % 7] };
  });
  return { ...rule, byDay };
}

/**
 * The series' update when one of its occurrences (which started at `was`) is moved to start
 * at `now` for all occurrences: the series' start moved as much on the wall clock (in its own
 * zone), its weekly days with it; `length` the new duration's milliseconds.
 * @param {{ utcStart: string, start?: string, timeZone?: string | null, showWithoutTime?: boolean,
 *   recurrenceRule?: RecurrenceRule | null, recurrenceRules?: RecurrenceRule[] | null }} series
 * @param {Date} was
 * @param {Date} now
 * @returns {{ start: string, recurrenceRule?: RecurrenceRule, recurrenceRules?: RecurrenceRule[] }}
 */
export function seriesMoved(series, was, now) {
  const { days, minutes } = wallDelta(was, now);
  const zone = series.showWithoutTime ? null : series.timeZone ?? null;
  const first = (series.start ? instant(series.start, zone) : null) ?? new Date(series.utcStart);
  const span = moved({ start: first, end: first }, days, minutes);
  /** @type {{ start: string, recurrenceRule?: RecurrenceRule, recurrenceRules?: RecurrenceRule[] }} */
  const out = { start: wallTime(span.start, zone) };
  if (days && series.recurrenceRules?.length) {
    out.recurrenceRules = series.recurrenceRules.map((r) => shiftedRule(r, days));
  } else if (days && series.recurrenceRule) {
    out.recurrenceRule = shiftedRule(series.recurrenceRule, days);
  }
  return out;
}
