// The phone layout's state as tables (node:test): where the phone layout starts, which pane
// Back goes to, which pane a view shows when it asks for one it may not have, and the view the
// calendar opens in.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { isPhoneWidth, backFrom, paneFor, PHONE_MAX_WIDTH } from '../app/js/panes.js';
import { firstMode } from '../app/js/viewrange.js';

test('one pane at a time up to 640 CSS pixels wide', () => {
  /** @type {[number, boolean][]} */
  const table = [[320, true], [360, true], [390, true], [640, true], [641, false], [768, false], [1400, false]];
  for (const [width, want] of table) {
    assert.equal(isPhoneWidth(width), want, String(width));
  }
  assert.equal(PHONE_MAX_WIDTH, 640);
});

/** @typedef {import('../app/js/panes.js').Pane} Pane */

test('Back goes to the pane before among those the view has', () => {
  /** @type {[Pane, Pane[], Pane | null][]} */
  const table = [
    ['detail', ['nav', 'list', 'detail'], 'list'],
    ['list', ['nav', 'list', 'detail'], 'nav'],
    ['nav', ['nav', 'list', 'detail'], null],
    ['detail', ['list', 'detail'], 'list'],
    ['list', ['list', 'detail'], null],
    ['detail', ['nav', 'detail'], 'nav'],
    ['detail', ['detail', 'list', 'nav'], 'list'],
    ['list', [], null],
  ];
  for (const [pane, present, want] of table) {
    assert.equal(backFrom(pane, present), want, `${pane} of ${present}`);
  }
});

test('a pane asked for is shown, or the nearest before it the view has', () => {
  /** @type {[Pane, Pane[], Pane][]} */
  const table = [
    ['detail', ['nav', 'list', 'detail'], 'detail'],
    ['list', ['nav', 'list', 'detail'], 'list'],
    ['detail', ['nav', 'list'], 'list'],
    ['list', ['nav', 'detail'], 'nav'],
    ['nav', ['list', 'detail'], 'list'],
    ['detail', [], 'detail'],
  ];
  for (const [wanted, present, want] of table) {
    assert.equal(paneFor(wanted, present), want, `${wanted} of ${present}`);
  }
});

test('the calendar opens in the kept view, else the agenda on a phone and the week elsewhere', () => {
  /** @type {[unknown, boolean, string][]} */
  const table = [
    [null, true, 'agenda'], [null, false, 'week'], ['month', true, 'month'], ['day', false, 'day'],
    ['garbage', true, 'agenda'], ['garbage', false, 'week'], ['workweek', true, 'workweek'],
  ];
  for (const [stored, phone, want] of table) {
    assert.equal(firstMode(stored, phone), want, `${stored} ${phone}`);
  }
});
