// The message list's pure logic as tables (node:test, no browser): the rows a scroll position
// draws (one pixel a row, and proportional past MAX_HEIGHT), the scroll that reveals a row, the
// windows of positions to fetch, clicks on rows and the selection they make, how far new mail
// moves the rows in view, and which key presses are shortcuts. Run by `node --test crates/web/test/`.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_HEIGHT, MAX_RANGE, layout, scrollTopOf, revealBy, windows, clickKind, Selection, shiftAbove }
  from '../app/js/rows.js';
import { SHORTCUTS, actionOf, typing } from '../app/js/shortcuts.js';

test('the rows a scroll position draws', () => {
  const base = { viewport: 640, rowHeight: 64, margin: 2 };
  /** @type {[Partial<import('../app/js/rows.js').Scroll>, import('../app/js/rows.js').Layout][]} */
  const table = [
    [{ total: 0, scrollTop: 0 }, { height: 0, first: 0, last: 0, top: 0 }],
    [{ total: 3, scrollTop: 0 }, { height: 192, first: 0, last: 3, top: 0 }],
    [{ total: 100, scrollTop: 0 }, { height: 6400, first: 0, last: 13, top: 0 }],
    [{ total: 100, scrollTop: 64 * 10 }, { height: 6400, first: 8, last: 23, top: 512 }],
    [{ total: 100, scrollTop: 64 * 10 + 30 }, { height: 6400, first: 8, last: 23, top: 512 }],
    // At the end: the last row is drawn, nothing past it.
    [{ total: 100, scrollTop: 6400 - 640 }, { height: 6400, first: 88, last: 100, top: 88 * 64 }],
    // Scrolled past the end (the list shrank under the scroll): still rows, not none.
    [{ total: 100, scrollTop: 99999 }, { height: 6400, first: 97, last: 100, top: 97 * 64 }],
    [{ total: 100, scrollTop: -50 }, { height: 6400, first: 0, last: 13, top: 0 }],
    [{ total: Number.NaN, scrollTop: 0 }, { height: 0, first: 0, last: 0, top: 0 }],
  ];
  for (const [given, want] of table) {
    assert.deepEqual(layout({ ...base, total: 0, scrollTop: 0, ...given }), want, JSON.stringify(given));
  }
});

test('past MAX_HEIGHT the scroll bar stands for positions in proportion', () => {
  const total = 1_000_000;
  const m = { viewport: 640, rowHeight: 64, total };
  const top = layout({ ...m, margin: 0, scrollTop: 0 });
  assert.equal(top.height, MAX_HEIGHT);
  assert.deepEqual([top.first, top.top], [0, 0]);
  const end = layout({ ...m, margin: 0, scrollTop: MAX_HEIGHT - 640 });
  assert.equal(end.last, total, 'the end of the scroll shows the last row');
  // The last row's bottom is the bottom of the view.
  assert.equal(end.top + (total - end.first) * 64, MAX_HEIGHT);
  const half = layout({ ...m, margin: 0, scrollTop: (MAX_HEIGHT - 640) / 2 });
  assert.ok(Math.abs(half.first - (total - 10) / 2) < 1, String(half.first));
  // scrollTopOf is layout's inverse: the row asked for is the first drawn.
  for (const index of [0, 1, 12345, 500000, total - 11]) {
    const at = layout({ ...m, margin: 0, scrollTop: scrollTopOf(index, m) });
    assert.ok(Math.abs(at.first - index) <= 1, `${index}: ${at.first}`);
  }
  assert.equal(scrollTopOf(10, { viewport: 640, rowHeight: 64, total: 100 }), 640);
});

test('the scroll that reveals a row, and the windows to fetch', () => {
  /** @type {[number, number][]} */
  const reveal = [[5, 0], [0, -5], [4, -1], [14, 0], [15, 1], [20, 6]];
  for (const [index, by] of reveal) {
    assert.equal(revealBy(index, { first: 5, last: 15 }), by, String(index));
  }
  const known = new Set([0, 1, 2, 50, 51, 99, 100, 101, 149]);
  /** @type {[number, number, number[]][]} */
  const table = [
    [0, 3, []],
    [0, 4, [0]],
    [40, 60, [0, 50]],
    [99, 102, []],
    [99, 160, [100, 150]],
    [10, 10, []],
  ];
  for (const [first, last, want] of table) {
    assert.deepEqual(windows(first, last, (p) => known.has(p), 50), want, `${first}..${last}`);
  }
});

test('clicks on rows and the selection they make', () => {
  const none = { ctrlKey: false, metaKey: false, shiftKey: false };
  assert.equal(clickKind(none, false), 'only');
  assert.equal(clickKind(none, true), 'toggle');
  assert.equal(clickKind({ ...none, ctrlKey: true }, false), 'toggle');
  assert.equal(clickKind({ ...none, metaKey: true }, false), 'toggle');
  assert.equal(clickKind({ ...none, shiftKey: true, ctrlKey: true }, true), 'range');
  const ids = (/** @type {number} */ p) => (p % 10 === 7 ? undefined : `e${p}`);
  const s = new Selection();
  s.only(3, 'e3');
  s.range(6, ids);
  assert.deepEqual([...s.ids].sort(), ['e3', 'e4', 'e5', 'e6']);
  s.toggle(5, 'e5');
  assert.deepEqual([...s.ids].sort(), ['e3', 'e4', 'e6']);
  // A range upwards from the last toggled row, skipping a row not read yet.
  s.range(0, ids);
  assert.deepEqual([...s.ids].sort(), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  s.only(20, 'e20');
  s.range(18, ids);
  assert.deepEqual([...s.ids].sort(), ['e18', 'e19', 'e20']);
  s.range(16, ids);
  assert.deepEqual([...s.ids].sort(), ['e16', 'e18', 'e19', 'e20'], 'e17 not read yet');
  // All in view, then again: none of them.
  s.clear();
  s.all(['a', 'b']);
  assert.deepEqual([...s.ids], ['a', 'b']);
  s.toggle(0, 'a');
  s.all(['a', 'b']);
  assert.deepEqual([...s.ids].sort(), ['a', 'b']);
  s.all(['a', 'b']);
  assert.equal(s.size, 0);
  s.all([]);
  assert.equal(s.size, 0);
  // A huge shift click adds at most MAX_RANGE rows, those nearest the click (e0, chosen
  // before, stays).
  s.only(0, 'e0');
  s.range(1_000_000, (p) => `e${p}`);
  assert.equal(s.size, MAX_RANGE + 1);
  assert.ok(s.has('e1000000') && s.has(`e${1_000_000 - MAX_RANGE + 1}`) && !s.has(`e${1_000_000 - MAX_RANGE}`));
});

test('how far new mail moves the rows in view', () => {
  const old = new Map([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
  const at = (/** @type {string} */ id) => old.get(id);
  /** @type {[number, { index: number }[], string[], number][]} */
  const table = [
    [3, [], [], 0],
    [3, [{ index: 0 }], [], 1],
    [3, [{ index: 0 }, { index: 1 }], [], 2],
    // Added below the first row in view: nothing moves.
    [3, [{ index: 4 }, { index: 9 }], [], 0],
    // The first row in view is the 4th; one added at 3 comes before it (it is now 4th).
    [3, [{ index: 3 }], [], 1],
    [3, [], ['a'], -1],
    [3, [], ['a', 'e', 'x'], -1],
    // Removed above and added again at the top (a change of a message): no move.
    [3, [{ index: 0 }], ['b'], 0],
    [0, [{ index: 0 }], [], 1],
  ];
  for (const [first, added, removed, want] of table) {
    assert.equal(shiftAbove(first, added, removed, at), want, JSON.stringify([first, added, removed]));
  }
});

test('which key presses are shortcuts', () => {
  const on = (/** @type {string} */ key, /** @type {object} */ more = {}) => actionOf({ key, ctrlKey: false, metaKey: false,
    altKey: false, target: { tagName: 'UL' }, ...more });
  /** @type {[string, string | null][]} */
  const table = [
    ['j', 'next'], ['ArrowDown', 'next'], ['k', 'previous'], ['ArrowUp', 'previous'], ['Enter', 'open'], ['o', 'open'],
    ['r', 'reply'], ['a', 'replyAll'], ['f', 'forward'], ['Delete', 'delete'], ['#', 'delete'], ['u', 'unread'],
    ['s', 'flag'], ['c', 'compose'], ['/', 'search'], ['?', 'help'], ['x', 'select'], ['Escape', 'close'],
    ['q', null], ['J', null], ['Tab', null], [' ', null],
  ];
  for (const [key, want] of table) {
    assert.equal(on(key), want, key);
  }
  // Never while typing, never with a modifier, and Enter on a button is the button's.
  for (const target of [{ tagName: 'INPUT', type: 'text' }, { tagName: 'INPUT', type: 'search' }, { tagName: 'INPUT' },
    { tagName: 'TEXTAREA' }, { tagName: 'SELECT' }, { tagName: 'DIV', isContentEditable: true },
    { tagName: 'input', type: 'EMAIL' }]) {
    assert.equal(on('r', { target }), null, JSON.stringify(target));
    assert.ok(typing(target));
  }
  for (const target of [{ tagName: 'INPUT', type: 'checkbox' }, { tagName: 'BUTTON' }, { tagName: 'BODY' }, null]) {
    assert.equal(on('r', { target }), 'reply', JSON.stringify(target));
    assert.ok(!typing(target));
  }
  assert.equal(on('r', { ctrlKey: true }), null);
  assert.equal(on('r', { metaKey: true }), null);
  assert.equal(on('r', { altKey: true }), null);
  assert.equal(on('Enter', { target: { tagName: 'BUTTON' } }), null);
  assert.equal(on('Enter', { target: { tagName: 'A' } }), null);
  // Every action has keys, and no key two actions.
  const keys = SHORTCUTS.flatMap(([, k]) => k);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(SHORTCUTS.every(([, k]) => k.length > 0));
});
