// The calendar's pure logic as tables (node:test): overlapping events side by side, drags
// snapped to 15 minutes, occurrences of every rule the page expands (with overrides: moved,
// renamed, excluded, added), wall-clock times in named zones across DST, the repeat form's
// rules both ways, what "this occurrence" and "all" write, and the days of each view. Dates
// are built in the local zone, as the page does; run with TZ=UTC or any.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { lanes, snap, travel, moved, resized } from '../app/js/layout.js';
import { occurrences, localDateTime, utcDate, parseDuration } from '../app/js/occurrences.js';
import { wallTime, instant } from '../app/js/zone.js';
import { ruleOf, repeatOf, overridePatch, formOverride, excludePatch, changedFrom, seriesMoved, shiftedRule, wallDelta }
  from '../app/js/repeat.js';
import { viewDays, stepped, weekInfo } from '../app/js/viewrange.js';

const at = (/** @type {number[]} */ ...p) => new Date(p[0], p[1] - 1, p[2], p[3] ?? 0, p[4] ?? 0);

test('overlapping events share the width; the rest take it whole', () => {
  /** @type {[string, [number, number][], [number, number][]][]} */
  const table = [
    ['none', [], []],
    ['one', [[600, 660]], [[0, 1]]],
    ['apart', [[600, 660], [660, 720]], [[0, 1], [0, 1]]],
    ['two overlapping', [[600, 720], [630, 690]], [[0, 2], [1, 2]]],
    ['three, the third reuses a lane', [[600, 720], [630, 660], [660, 700]], [[0, 2], [1, 2], [1, 2]]],
    ['a chain is one cluster', [[540, 600], [570, 660], [630, 690]], [[0, 2], [1, 2], [0, 2]]],
    ['given out of order', [[630, 690], [600, 720]], [[1, 2], [0, 2]]],
    ['three at once', [[600, 660], [600, 660], [600, 660]], [[0, 3], [1, 3], [2, 3]]],
    ['a later cluster starts again', [[600, 660], [610, 650], [800, 860]], [[0, 2], [1, 2], [0, 1]]],
  ];
  for (const [what, places, want] of table) {
    const got = lanes(places.map(([top, bottom]) => ({ top, bottom }))).map((s) => [s.lane, s.lanes]);
    assert.deepEqual(got, want, what);
  }
});

test('drags snap to 15 minutes', () => {
  /** @type {[number, number][]} */
  const table = [[0, 0], [7, 0], [8, 15], [-7, 0], [-8, -15], [22, 15], [23, 30], [61, 60], [-61, -60]];
  for (const [minutes, want] of table) {
    assert.equal(snap(minutes), want, String(minutes));
  }
  // A 960-pixel column is 24 hours: 40 pixels an hour.
  assert.equal(travel(40, 960), 60);
  assert.equal(travel(13, 960), 15);
  assert.equal(travel(-27, 960), -45);
  assert.equal(travel(100, 0), 0);
  const span = { start: at(2026, 12, 7, 10), end: at(2026, 12, 7, 11, 30) };
  const m = moved(span, 2, -45);
  assert.deepEqual([localDateTime(m.start), localDateTime(m.end)], ['2026-12-09T09:15:00', '2026-12-09T10:45:00']);
  const r = resized(span, 30);
  assert.deepEqual([localDateTime(r.start), localDateTime(r.end)], ['2026-12-07T10:00:00', '2026-12-07T12:00:00']);
  assert.equal(localDateTime(resized(span, -600).end), '2026-12-07T10:15:00', 'never shorter than a step');
});

test('wall-clock times in named zones, across DST', () => {
  /** @type {[string, string, string][]} */
  const table = [
    ['2026-12-07T09:30:00', 'Europe/Berlin', '2026-12-07T08:30:00Z'],
    ['2026-07-07T09:30:00', 'Europe/Berlin', '2026-07-07T07:30:00Z'],
    ['2026-12-07T09:30:00', 'America/New_York', '2026-12-07T14:30:00Z'],
    ['2026-12-07T09:30:00', 'Etc/UTC', '2026-12-07T09:30:00Z'],
    // A time the spring-forward skips: read with the offset before (RFC 5545 §3.3.5).
    ['2026-03-29T02:30:00', 'Europe/Berlin', '2026-03-29T01:30:00Z'],
    // An autumn time that comes twice: its first.
    ['2026-10-25T02:30:00', 'Europe/Berlin', '2026-10-25T00:30:00Z'],
  ];
  for (const [local, zone, utc] of table) {
    const d = instant(local, zone);
    assert.equal(d && utcDate(d), utc, `${local} ${zone}`);
    if (!local.startsWith('2026-03-29')) {
      assert.equal(wallTime(new Date(utc), zone), local, `back: ${utc} ${zone}`);
    }
  }
  assert.equal(instant('not a time', 'Europe/Berlin'), null);
  const local = instant('2026-12-07T09:30:00', 'No/Such_Zone');
  assert.equal(local && localDateTime(local), '2026-12-07T09:30:00', 'an unknown zone: the browser’s');
  assert.equal(wallTime(at(2026, 12, 7, 9, 30), null), '2026-12-07T09:30:00');
});

test('durations read', () => {
  /** @type {[string, number | null][]} */
  const table = [['PT1H', 3600e3], ['PT1H30M', 5400e3], ['P1D', 86400e3], ['P1W', 7 * 86400e3], ['P1DT2H', 93600e3],
    ['PT0S', 0], ['PT45.5S', 45500], ['P', null], ['PT', null], ['1H', null], ['P1H', null], ['', null]];
  for (const [text, want] of table) {
    assert.equal(parseDuration(text), want, text);
  }
});

/** An event in Europe/Berlin (the wall clock of its `start`), an hour long. */
const berlin = (/** @type {string} */ start, /** @type {object} */ more = {}) => {
  const s = /** @type {Date} */ (instant(start, 'Europe/Berlin'));
  return { start, timeZone: 'Europe/Berlin', duration: 'PT1H', utcStart: utcDate(s),
    utcEnd: utcDate(new Date(s.getTime() + 3600e3)), ...more };
};
/** The occurrences' starts as UTC. */
const utcStarts = (/** @type {import('../app/js/occurrences.js').Span[]} */ spans) => spans.map((s) => utcDate(s.start));

test('occurrences of every rule the page expands', () => {
  const from = new Date('2026-12-01T00:00:00Z');
  const to = new Date('2027-01-01T00:00:00Z');
  /** @type {[string, string, object, string[]][]} */
  const table = [
    ['weekly on Monday and Wednesday, 4 times', '2026-12-07T09:00:00',
      { frequency: 'weekly', byDay: [{ day: 'mo' }, { day: 'we' }], count: 4 },
      ['2026-12-07T08:00:00Z', '2026-12-09T08:00:00Z', '2026-12-14T08:00:00Z', '2026-12-16T08:00:00Z']],
    ['every other week on Friday, until the 31st', '2026-12-04T17:00:00',
      { frequency: 'weekly', interval: 2, byDay: [{ day: 'fr' }], until: '2026-12-31T23:59:59' },
      ['2026-12-04T16:00:00Z', '2026-12-18T16:00:00Z']],
    ['monthly on the start’s day', '2026-10-15T10:00:00', { frequency: 'monthly' }, ['2026-12-15T09:00:00Z']],
    ['monthly on the 31st skips short months', '2026-10-31T10:00:00', { frequency: 'monthly', count: 3 },
      ['2026-12-31T09:00:00Z']],
    ['monthly on the last day', '2026-11-30T10:00:00', { frequency: 'monthly', byMonthDay: [-1] }, ['2026-12-31T09:00:00Z']],
    ['monthly on the second Tuesday', '2026-11-10T10:00:00', { frequency: 'monthly', byDay: [{ day: 'tu', nthOfPeriod: 2 }] },
      ['2026-12-08T09:00:00Z']],
    ['monthly on the last Friday', '2026-11-27T10:00:00', { frequency: 'monthly', byDay: [{ day: 'fr', nthOfPeriod: -1 }] },
      ['2026-12-25T09:00:00Z']],
    ['yearly', '2020-12-24T18:00:00', { frequency: 'yearly' }, ['2026-12-24T17:00:00Z']],
    ['yearly, ended', '2020-12-24T18:00:00', { frequency: 'yearly', count: 3 }, []],
    ['daily on weekdays', '2026-12-25T08:00:00', { frequency: 'daily', byDay: ['mo', 'tu', 'we', 'th', 'fr'].map((day) => ({ day })) },
      ['2026-12-25T07:00:00Z', '2026-12-28T07:00:00Z', '2026-12-29T07:00:00Z', '2026-12-30T07:00:00Z', '2026-12-31T07:00:00Z']],
    ['by hour: its first only', '2026-12-02T08:00:00', { frequency: 'daily', byHour: [8, 12] }, ['2026-12-02T07:00:00Z']],
    ['monthly on the last weekday (bySetPosition)', '2026-10-30T10:00:00',
      { frequency: 'monthly', byDay: ['mo', 'tu', 'we', 'th', 'fr'].map((day) => ({ day })), bySetPosition: [-1] },
      ['2026-12-31T09:00:00Z']],
    ['monthly on the first and second-to-last weekend day', '2026-11-01T10:00:00',
      { frequency: 'monthly', byDay: [{ day: 'sa' }, { day: 'su' }], bySetPosition: [1, -2] },
      ['2026-12-05T09:00:00Z', '2026-12-26T09:00:00Z']],
    ['weekly, the last of Monday and Thursday', '2026-12-03T09:00:00',
      { frequency: 'weekly', byDay: [{ day: 'mo' }, { day: 'th' }], bySetPosition: [-1], count: 3 },
      ['2026-12-03T08:00:00Z', '2026-12-10T08:00:00Z', '2026-12-17T08:00:00Z']],
    ['yearly on the last Sunday of March or October', '2025-10-26T03:00:00',
      { frequency: 'yearly', byMonth: ['3', '10'], byDay: [{ day: 'su' }], bySetPosition: [-1] }, []],
    ['a position past the candidates is none', '2026-11-02T09:00:00',
      { frequency: 'monthly', byDay: [{ day: 'mo' }], bySetPosition: [9] }, []],
  ];
  for (const [what, start, rule, want] of table) {
    assert.deepEqual(utcStarts(occurrences(berlin(start, { recurrenceRule: rule }), from, to)), want, what);
  }
});

test('a series keeps its wall-clock time across DST, in its own zone', () => {
  // Weekly on Monday 09:00 in New York, from before its DST end (1 November) to after.
  const s = /** @type {Date} */ (instant('2026-10-26T09:00:00', 'America/New_York'));
  const event = { start: '2026-10-26T09:00:00', timeZone: 'America/New_York', duration: 'PT30M', utcStart: utcDate(s),
    utcEnd: utcDate(new Date(s.getTime() + 1800e3)), recurrenceRule: { frequency: 'weekly', count: 3 } };
  assert.deepEqual(utcStarts(occurrences(event, new Date('2026-10-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'))),
    ['2026-10-26T13:00:00Z', '2026-11-02T14:00:00Z', '2026-11-09T14:00:00Z']);
});

test('overrides: excluded, moved, renamed, added; each occurrence with its recurrence id', () => {
  const from = new Date('2026-12-07T00:00:00Z');
  const to = new Date('2026-12-21T00:00:00Z');
  const event = berlin('2026-12-07T09:00:00', { recurrenceRule: { frequency: 'daily', count: 10 }, title: 'Standup',
    recurrenceOverrides: {
      '2026-12-08T09:00:00': { excluded: true },
      '2026-12-09T09:00:00': { start: '2026-12-09T14:00:00', duration: 'PT30M' },
      '2026-12-10T09:00:00': { title: 'Standup (demo)' },
      '2026-12-19T09:00:00': { title: 'An extra one' },
      // Moved into the range from outside it.
      '2026-12-30T09:00:00': { start: '2026-12-20T11:00:00' },
    } });
  const got = occurrences(event, from, to).map((o) => [utcDate(o.start), utcDate(o.end), o.recurrenceId, o.override?.title ?? null]);
  assert.deepEqual(got, [
    ['2026-12-07T08:00:00Z', '2026-12-07T09:00:00Z', '2026-12-07T09:00:00', null],
    ['2026-12-09T13:00:00Z', '2026-12-09T13:30:00Z', '2026-12-09T09:00:00', null],
    ['2026-12-10T08:00:00Z', '2026-12-10T09:00:00Z', '2026-12-10T09:00:00', 'Standup (demo)'],
    ['2026-12-11T08:00:00Z', '2026-12-11T09:00:00Z', '2026-12-11T09:00:00', null],
    ['2026-12-12T08:00:00Z', '2026-12-12T09:00:00Z', '2026-12-12T09:00:00', null],
    ['2026-12-13T08:00:00Z', '2026-12-13T09:00:00Z', '2026-12-13T09:00:00', null],
    ['2026-12-14T08:00:00Z', '2026-12-14T09:00:00Z', '2026-12-14T09:00:00', null],
    ['2026-12-15T08:00:00Z', '2026-12-15T09:00:00Z', '2026-12-15T09:00:00', null],
    ['2026-12-16T08:00:00Z', '2026-12-16T09:00:00Z', '2026-12-16T09:00:00', null],
    ['2026-12-19T08:00:00Z', '2026-12-19T09:00:00Z', '2026-12-19T09:00:00', 'An extra one'],
    ['2026-12-20T10:00:00Z', '2026-12-20T11:00:00Z', '2026-12-30T09:00:00', null],
  ]);
  // Hostile: an override that is no object, a key that is no date, thousands of overrides.
  const odd = berlin('2026-12-07T09:00:00', { recurrenceRule: { frequency: 'daily', count: 2 },
    recurrenceOverrides: { x: { title: 'bad key' }, '2026-12-08T09:00:00': null } });
  assert.deepEqual(utcStarts(occurrences(/** @type {any} */ (odd), from, to)), ['2026-12-07T08:00:00Z']);
  const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`2027-01-01T00:00:${String(i % 60).padStart(2, '0')}`, { excluded: true }]));
  assert.equal(occurrences(berlin('2026-12-07T09:00:00', { recurrenceRule: { frequency: 'daily' }, recurrenceOverrides: many }), from, to).length, 14);
});

test('all-day events: their days in the browser’s zone', () => {
  const event = { start: '2026-12-24T00:00:00', showWithoutTime: true, duration: 'P2D', timeZone: null,
    utcStart: '2026-12-24T00:00:00Z', utcEnd: '2026-12-26T00:00:00Z', recurrenceRule: { frequency: 'yearly' } };
  const got = occurrences(event, at(2027, 12, 1), at(2028, 1, 1));
  assert.deepEqual(got.map((o) => [localDateTime(o.start), localDateTime(o.end)]), [['2027-12-24T00:00:00', '2027-12-26T00:00:00']]);
});

test('the repeat form’s rules, both ways', () => {
  const tuesday = at(2026, 12, 8, 9);
  /** @type {[import('../app/js/repeat.js').Repeat, object | null][]} */
  const table = [
    [{ frequency: 'none', interval: 1, days: [], ends: 'never', until: '', count: 1 }, null],
    [{ frequency: 'daily', interval: 1, days: [], ends: 'never', until: '', count: 1 }, { '@type': 'RecurrenceRule', frequency: 'daily' }],
    [{ frequency: 'weekly', interval: 2, days: ['th', 'tu'], ends: 'count', until: '', count: 6 },
      { '@type': 'RecurrenceRule', frequency: 'weekly', interval: 2, count: 6,
        byDay: [{ '@type': 'NDay', day: 'tu' }, { '@type': 'NDay', day: 'th' }] }],
    [{ frequency: 'weekly', interval: 1, days: [], ends: 'until', until: '2027-03-01', count: 1 },
      { '@type': 'RecurrenceRule', frequency: 'weekly', byDay: [{ '@type': 'NDay', day: 'tu' }], until: '2027-03-01T23:59:59' }],
    [{ frequency: 'monthly', interval: 1, days: [], ends: 'count', until: '', count: 100000 },
      { '@type': 'RecurrenceRule', frequency: 'monthly', count: 999 }],
    [{ frequency: 'yearly', interval: 500, days: [], ends: 'until', until: 'soon', count: 1 },
      { '@type': 'RecurrenceRule', frequency: 'yearly', interval: 99 }],
  ];
  for (const [form, want] of table) {
    const rule = ruleOf(form, tuesday);
    assert.deepEqual(rule, want, JSON.stringify(form));
    if (rule && form.interval <= 99 && form.count <= 999 && form.until !== 'soon') {
      const back = repeatOf([rule], tuesday);
      assert.equal(back?.frequency, form.frequency);
      assert.equal(back?.ends, form.ends);
    }
  }
  assert.deepEqual(repeatOf([], tuesday)?.frequency, 'none');
  assert.equal(repeatOf([{ frequency: 'daily', byHour: [9] }], tuesday), null, 'a rule the form cannot show');
  assert.equal(repeatOf([{ frequency: 'monthly', byDay: [{ day: 'tu', nthOfPeriod: 2 }] }], tuesday), null);
  assert.equal(repeatOf([{ frequency: 'daily' }, { frequency: 'weekly' }], tuesday), null);
});

test('this occurrence, or all of them', () => {
  const series = { title: 'Sync', duration: 'PT1H', description: 'x', recurrenceOverrides: null };
  assert.deepEqual(changedFrom(series, { title: 'Sync', duration: 'PT30M', description: 'x', locations: null }),
    { duration: 'PT30M' });
  assert.deepEqual(overridePatch(series, '2026-12-14T09:00:00', { start: '2026-12-14T11:00:00' }),
    { recurrenceOverrides: { '2026-12-14T09:00:00': { start: '2026-12-14T11:00:00' } } }, 'no overrides yet: the whole property');
  const withOne = { recurrenceOverrides: { '2026-12-14T09:00:00': { start: '2026-12-14T11:00:00' } } };
  assert.deepEqual(overridePatch(withOne, '2026-12-14T09:00:00', { title: 'Later' }),
    { 'recurrenceOverrides/2026-12-14T09:00:00': { start: '2026-12-14T11:00:00', title: 'Later' } }, 'a path, merged');
  assert.deepEqual(excludePatch(withOne, '2026-12-14T09:00:00'), { 'recurrenceOverrides/2026-12-14T09:00:00': { excluded: true } });
  // The form's keys as the form says (the title set back to the series' is no longer overridden), others kept.
  const renamed = { recurrenceOverrides: { '2026-12-14T09:00:00': { title: 'Other', start: '2026-12-14T11:00:00', alerts: { a: {} } } } };
  assert.deepEqual(formOverride(renamed, '2026-12-14T09:00:00', ['title', 'start', 'duration'], { start: '2026-12-14T11:00:00' }),
    { 'recurrenceOverrides/2026-12-14T09:00:00': { alerts: { a: {} }, start: '2026-12-14T11:00:00' } });
  assert.deepEqual(overridePatch(withOne, 'a/b~c', { excluded: true }), { 'recurrenceOverrides/a~1b~0c': { excluded: true } });
  assert.deepEqual(wallDelta(at(2026, 12, 14, 9), at(2026, 12, 16, 10, 30)), { days: 2, minutes: 90 });
  // All: the series' start moved as the occurrence was, its weekday with it.
  const weekly = berlin('2026-12-07T09:00:00', { recurrenceRule: { frequency: 'weekly', byDay: [{ day: 'mo' }] } });
  const was = /** @type {Date} */ (instant('2026-12-14T09:00:00', 'Europe/Berlin'));
  const now = /** @type {Date} */ (instant('2026-12-15T10:00:00', 'Europe/Berlin'));
  const all = seriesMoved(weekly, was, now);
  assert.deepEqual(all, { start: '2026-12-08T10:00:00', recurrenceRule: { frequency: 'weekly', byDay: [{ day: 'tu' }] } });
  assert.deepEqual(seriesMoved(weekly, was, new Date(was.getTime() + 3600e3)), { start: '2026-12-07T10:00:00' });
  assert.deepEqual(shiftedRule({ frequency: 'weekly', byDay: [{ day: 'sa' }, { day: 'su' }] }, -1).byDay,
    [{ day: 'fr' }, { day: 'sa' }]);
  assert.deepEqual(shiftedRule({ frequency: 'monthly' }, 3), { frequency: 'monthly' });
});

test('the days of each view, and previous/next', () => {
  const iso = { firstDay: 1, weekend: [6, 0] };
  const us = { firstDay: 0, weekend: [6, 0] };
  const friSat = { firstDay: 6, weekend: [5, 6] };
  const thursday = at(2026, 12, 10, 15);
  const days = (/** @type {Date[]} */ d) => d.map((x) => localDateTime(x).slice(0, 10));
  assert.deepEqual(days(viewDays('day', thursday, iso).days), ['2026-12-10']);
  assert.deepEqual(days(viewDays('workweek', thursday, iso).days), ['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11']);
  assert.deepEqual(days(viewDays('workweek', thursday, friSat).days), ['2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10'],
    'a Saturday-first week without Friday and Saturday');
  assert.deepEqual(days(viewDays('week', thursday, us).days)[0], '2026-12-06');
  const month = viewDays('month', thursday, iso);
  assert.deepEqual([month.days.length, days(month.days)[0], localDateTime(month.to).slice(0, 10)], [42, '2026-11-30', '2027-01-11']);
  const agenda = viewDays('agenda', thursday, iso);
  assert.deepEqual([agenda.days.length, localDateTime(agenda.from), localDateTime(agenda.to)],
    [30, '2026-12-10T00:00:00', '2027-01-09T00:00:00']);
  /** @type {[import('../app/js/viewrange.js').Mode, number, string][]} */
  const steps = [['day', 1, '2026-12-11'], ['day', -1, '2026-12-09'], ['workweek', 1, '2026-12-17'], ['week', -1, '2026-12-03'],
    ['month', 1, '2027-01-01'], ['month', -1, '2026-11-01'], ['agenda', 1, '2027-01-09']];
  for (const [mode, by, want] of steps) {
    assert.equal(localDateTime(stepped(mode, thursday, by)).slice(0, 10), want, `${mode} ${by}`);
  }
  assert.deepEqual(localDateTime(stepped('month', at(2027, 1, 31), 1)).slice(0, 10), '2027-02-01', 'no overflow into March');
  const week = weekInfo('en-GB');
  assert.ok(week.firstDay >= 0 && week.firstDay <= 6 && week.weekend.every((d) => d >= 0 && d <= 6), JSON.stringify(week));
  assert.deepEqual(weekInfo('not a locale!'), iso);
});
