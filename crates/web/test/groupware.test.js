// The calendar's and contacts' pure helpers as tables (node:test): the days of a week and a
// month, durations, the occurrences of simple recurrences within a range, JSContact cards from
// the form, and the out-of-office form's dates. Dates are built in the local zone, as the page
// does; run with TZ=UTC or any.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { weekStart, monthDays, duration, occurrences, onDay, localDateTime, utcDate }
  from '../app/js/occurrences.js';
import { displayName, component, details, cardProperties, splitList } from '../app/js/card.js';
import { utcFromInput, inputFromUtc } from '../app/js/settings.js';

test('weeks start on Monday; a month view is six weeks', () => {
  assert.equal(localDateTime(weekStart(new Date(2026, 11, 6, 15))), '2026-11-30T00:00:00');
  assert.equal(localDateTime(weekStart(new Date(2026, 11, 7))), '2026-12-07T00:00:00');
  const days = monthDays(new Date(2026, 11, 20));
  assert.equal(days.length, 42);
  assert.equal(localDateTime(days[0]), '2026-11-30T00:00:00');
  assert.equal(localDateTime(days[41]), '2027-01-10T00:00:00');
});

test('durations', () => {
  /** @type {[number, string][]} */
  const table = [[0, 'PT0S'], [3600e3, 'PT1H'], [5400e3, 'PT1H30M'], [86400e3, 'P1D'], [93600e3, 'P1DT2H'], [45e3, 'PT45S']];
  for (const [ms, want] of table) {
    assert.equal(duration(ms), want, String(ms));
  }
});

const at = (/** @type {number[]} */ ...p) => new Date(p[0], p[1] - 1, p[2], p[3] ?? 0, p[4] ?? 0);
const hour = (/** @type {Date} */ d) => ({ utcStart: utcDate(d), utcEnd: utcDate(new Date(d.getTime() + 3600e3)) });
const starts = (/** @type {import('../app/js/occurrences.js').Span[]} */ spans) => spans.map((s) => localDateTime(s.start));

test('occurrences within a range', () => {
  const from = at(2026, 12, 7);
  const to = at(2026, 12, 14);
  const start = at(2026, 12, 1, 9);
  /** @type {[string, object, string[]][]} */
  const table = [
    ['no rule, outside', {}, []],
    ['daily', { recurrenceRule: { frequency: 'daily' } },
      ['2026-12-07T09:00:00', '2026-12-08T09:00:00', '2026-12-09T09:00:00', '2026-12-10T09:00:00',
        '2026-12-11T09:00:00', '2026-12-12T09:00:00', '2026-12-13T09:00:00']],
    ['every other day, count 5', { recurrenceRule: { frequency: 'daily', interval: 2, count: 5 } },
      ['2026-12-07T09:00:00', '2026-12-09T09:00:00']],
    ['weekly (a Tuesday)', { recurrenceRule: { frequency: 'weekly' } }, ['2026-12-08T09:00:00']],
    ['weekly on its own day', { recurrenceRules: [{ frequency: 'weekly', byDay: [{ day: 'tu' }] }] }, ['2026-12-08T09:00:00']],
    ['weekly, until before', { recurrenceRule: { frequency: 'weekly', until: '2026-12-05T00:00:00' } }, []],
    ['weekly, count 1', { recurrenceRule: { frequency: 'weekly', count: 1 } }, []],
    ['daily, one excluded', { recurrenceRule: { frequency: 'daily', count: 8 },
      recurrenceOverrides: { '2026-12-08T09:00:00': { excluded: true } } }, ['2026-12-07T09:00:00']],
    ['monthly (the 1st): none in the week', { recurrenceRule: { frequency: 'monthly' } }, []],
    ['weekly on two days', { recurrenceRule: { frequency: 'weekly', byDay: [{ day: 'tu' }, { day: 'th' }] } },
      ['2026-12-08T09:00:00', '2026-12-10T09:00:00']],
  ];
  for (const [what, rule, want] of table) {
    assert.deepEqual(starts(occurrences({ ...hour(start), ...rule }, from, to)), want, what);
  }
  assert.deepEqual(starts(occurrences(hour(at(2026, 12, 9, 23, 30)), from, to)), ['2026-12-09T23:30:00']);
  // A series years old is walked from near the range, not from its start.
  const old = occurrences({ ...hour(at(2000, 1, 3, 8)), recurrenceRule: { frequency: 'weekly' } }, from, to);
  assert.deepEqual(starts(old), ['2026-12-07T08:00:00']);
});

test('an occurrence on a day, in minutes', () => {
  const span = { start: at(2026, 12, 7, 23), end: at(2026, 12, 8, 1, 30) };
  assert.deepEqual(onDay(span, at(2026, 12, 7)), { top: 1380, bottom: 1440 });
  assert.deepEqual(onDay(span, at(2026, 12, 8)), { top: 0, bottom: 90 });
  assert.equal(onDay(span, at(2026, 12, 9)), null);
  assert.equal(onDay(span, at(2026, 12, 6)), null);
  assert.deepEqual(onDay({ start: at(2026, 12, 7, 10), end: at(2026, 12, 7, 10) }, at(2026, 12, 7)), { top: 600, bottom: 615 });
});

test('cards from the form and back', () => {
  const props = cardProperties({ given: ' Ada ', surname: 'Lovelace', emails: ['ada@x.test', ' '], phones: [],
    organization: 'Analytical', note: '' });
  assert.deepEqual(props, {
    name: { components: [{ kind: 'given', value: 'Ada' }, { kind: 'surname', value: 'Lovelace' }], full: 'Ada Lovelace' },
    emails: { e1: { '@type': 'EmailAddress', address: 'ada@x.test' } },
    phones: null,
    organizations: { o1: { '@type': 'Organization', name: 'Analytical' } },
    notes: null,
  });
  const card = { id: 'c1', ...props, addresses: { a1: { components: [{ kind: 'name', value: '1 Main St' },
    { kind: 'separator', value: ',' }, { kind: 'locality', value: 'London' }] } } };
  assert.equal(displayName(/** @type {import('../app/js/card.js').Card} */ (card)), 'Ada Lovelace');
  assert.equal(component(/** @type {import('../app/js/card.js').Card} */ (card), 'surname'), 'Lovelace');
  assert.deepEqual(details(/** @type {import('../app/js/card.js').Card} */ (card)), {
    emails: ['ada@x.test'], phones: [], organizations: ['Analytical'], addresses: ['1 Main St, London'], notes: [],
  });
  assert.equal(displayName({ id: 'c2', emails: { e: { address: 'x@y.test' } } }), 'x@y.test');
  assert.equal(displayName({ id: 'c3', name: { full: 'Grace Hopper', components: [] } }), 'Grace Hopper');
  assert.deepEqual(splitList('a@x, b@y\n c@z ,'), ['a@x', 'b@y', 'c@z']);
});

test('the out-of-office dates: a local datetime-local value ⇄ a UTCDate', () => {
  const local = '2026-12-07T09:30';
  const utc = utcFromInput(local);
  assert.equal(utc, utcDate(new Date(2026, 11, 7, 9, 30)));
  assert.match(String(utc), /^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
  assert.equal(inputFromUtc(utc), local);
  assert.equal(utcFromInput(''), null);
  assert.equal(inputFromUtc(null), '');
});
