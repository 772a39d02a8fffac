// The colour theme's choice and resolution as tables (node:test): what a stored value means,
// which theme a choice gives under a light or dark system, and the choice kept and read back.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseChoice, resolveTheme, storedChoice, keepChoice, THEME_KEY } from '../app/js/theme.js';

test('a stored value is a choice; anything unknown follows the system', () => {
  /** @type {[unknown, string][]} */
  const table = [
    ['light', 'light'], ['dark', 'dark'], ['system', 'system'], [null, 'system'], [undefined, 'system'],
    ['', 'system'], ['Dark', 'system'], [' dark', 'system'], ['<script>', 'system'], [1, 'system'],
  ];
  for (const [stored, want] of table) {
    assert.equal(parseChoice(stored), want, String(stored));
  }
});

test('a choice resolves against the system preference', () => {
  /** @type {[import('../app/js/theme.js').ThemeChoice, boolean, string][]} */
  const table = [
    ['system', false, 'light'], ['system', true, 'dark'],
    ['light', false, 'light'], ['light', true, 'light'],
    ['dark', false, 'dark'], ['dark', true, 'dark'],
  ];
  for (const [choice, systemDark, want] of table) {
    assert.equal(resolveTheme(choice, systemDark), want, `${choice} ${systemDark}`);
  }
});

/** A Storage's three methods over a Map; `refuse` makes every call throw (private modes). */
function storage(refuse = false) {
  const map = new Map();
  const guard = () => { if (refuse) { throw new Error('SecurityError'); } };
  return {
    map,
    getItem: (/** @type {string} */ k) => { guard(); return map.has(k) ? map.get(k) : null; },
    setItem: (/** @type {string} */ k, /** @type {string} */ v) => { guard(); map.set(k, v); },
    removeItem: (/** @type {string} */ k) => { guard(); map.delete(k); },
  };
}

test('a choice is kept and read back; system is kept as no entry', () => {
  const s = storage();
  assert.equal(storedChoice(s), 'system');
  for (const choice of /** @type {const} */ (['dark', 'light', 'system'])) {
    assert.equal(keepChoice(s, choice), true);
    assert.equal(storedChoice(s), choice);
  }
  assert.equal(s.map.has(THEME_KEY), false);
  s.map.set(THEME_KEY, 'purple');
  assert.equal(storedChoice(s), 'system');
});

test('storage refused or absent: the system is followed and nothing is said kept', () => {
  const refusing = storage(true);
  assert.equal(storedChoice(refusing), 'system');
  assert.equal(keepChoice(refusing, 'dark'), false);
  assert.equal(storedChoice(undefined), 'system');
  assert.equal(keepChoice(undefined, 'dark'), false);
});
