// The days each calendar view shows, pure (no DOM; tested under node:test): a day, the work
// week (the locale's work days: Monday to Friday unless Intl's week info says otherwise), a
// week from the locale's first day, a month (six weeks), and the agenda (the next 30 days);
// and how far previous/next go in each.

import { weekStart, monthDays, addDays } from './occurrences.js';

export const MODES = /** @type {const} */ (['day', 'workweek', 'week', 'month', 'agenda']);
/** The days the agenda lists. */
export const AGENDA_DAYS = 30;

/**
 * @typedef {typeof MODES[number]} Mode
 * @typedef {{ firstDay: number, weekend: number[] }} WeekInfo days 0 (Sunday) … 6 (Saturday)
 */

/**
 * The locale's week (Intl.Locale's week info where the engine has it; ISO's otherwise).
 * @param {string} [locale]
 * @returns {WeekInfo}
 */
export function weekInfo(locale) {
  try {
    const l = /** @type {any} */ (new Intl.Locale(locale ?? Intl.DateTimeFormat().resolvedOptions().locale));
    /** @type {{ firstDay?: number, weekend?: number[] } | undefined} */
    const info = typeof l.getWeekInfo === 'function' ? l.getWeekInfo() : l.weekInfo;
    if (info && Number.isInteger(info.firstDay) && Array.isArray(info.weekend)) {
      // Intl counts 1 (Monday) … 7 (Sunday).
      return { firstDay: /** @type {number} */ (info.firstDay) % 7, weekend: info.weekend.map((d) => d % 7) };
    }
  } catch {
    // An unknown locale: ISO's week.
  }
  return { firstDay: 1, weekend: [6, 0] };
}

/**
 * The days a view of `anchor` shows (local midnights), from the first to the day after the last.
 * @param {Mode} mode
 * @param {Date} anchor
 * @param {WeekInfo} week
 */
export function viewDays(mode, anchor, week) {
  /** @type {Date[]} */
  let days;
  if (mode === 'day') {
    days = [new Date(anchor.getFullYear(), anchor.getMonth(), anchor.getDate())];
  } else if (mode === 'month') {
    days = monthDays(anchor, week.firstDay);
  } else if (mode === 'agenda') {
    const first = new Date(anchor.getFullYear(), anchor.getMonth(), anchor.getDate());
    days = Array.from({ length: AGENDA_DAYS }, (_, i) => addDays(first, i));
  } else {
    const first = weekStart(anchor, week.firstDay);
    days = Array.from({ length: 7 }, (_, i) => addDays(first, i));
    if (mode === 'workweek') {
      const work = days.filter((d) => !week.weekend.includes(d.getDay()));
      days = work.length ? work : days;
    }
  }
  return { days, from: days[0], to: addDays(days[days.length - 1], 1) };
}

/**
 * The anchor of the view `by` steps (±1) away.
 * @param {Mode} mode
 * @param {Date} anchor
 * @param {number} by
 */
export function stepped(mode, anchor, by) {
  const a = new Date(anchor);
  if (mode === 'month') {
    a.setDate(1);
    a.setMonth(a.getMonth() + by);
  } else {
    a.setDate(a.getDate() + by * (mode === 'day' ? 1 : mode === 'agenda' ? AGENDA_DAYS : 7));
  }
  return a;
}

/**
 * The view the calendar opens in: the one kept from last time, else the agenda on a phone
 * (seven columns do not fit its width) and the week elsewhere.
 * @param {unknown} stored
 * @param {boolean} phone
 * @returns {Mode}
 */
export function firstMode(stored, phone) {
  return MODES.includes(/** @type {Mode} */ (stored)) ? /** @type {Mode} */ (stored) : phone ? 'agenda' : 'week';
}
