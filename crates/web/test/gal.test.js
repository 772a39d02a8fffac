// The directory in Contacts, its pure parts as tables (node:test): a principal as the list
// shows it (hostile shapes dropped), a full name as a card's given names and surname, and the
// position of the next page.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { personOf, splitName, nextPosition, PAGE, MAX_SHOWN } from '../app/js/gal.js';

test('a principal as the list shows it', () => {
  /** @type {[Record<string, unknown>, unknown][]} */
  const table = [
    [{ id: 'p1', name: 'Bob Example', email: 'bob@example.test', type: 'individual' },
      { id: 'p1', name: 'Bob Example', email: 'bob@example.test', kind: 'individual' }],
    [{ id: 'p2', name: 'board@example.test', email: 'board@example.test', type: 'location' },
      { id: 'p2', name: '', email: 'board@example.test', kind: 'location' }],
    [{ id: 'p3', name: 'Staff', email: null, type: 'group' }, { id: 'p3', name: 'Staff', email: '', kind: 'group' }],
    [{ id: 'p4', name: 'No type' }, { id: 'p4', name: 'No type', email: '', kind: 'individual' }],
    [{ id: 7, name: 'numeric id' }, null],
    [{ name: 'no id' }, null],
    [{ id: 'p5', name: { toString: 'x' }, email: ['a@b'], type: 3 }, { id: 'p5', name: '', email: '', kind: 'individual' }],
  ];
  for (const [principal, want] of table) {
    assert.deepEqual(personOf(principal), want, JSON.stringify(principal));
  }
});

test('a full name as given names and a surname', () => {
  /** @type {[string, { given: string, surname: string }][]} */
  const table = [
    ['Bob Example', { given: 'Bob', surname: 'Example' }],
    ['  Ada   King  Lovelace ', { given: 'Ada King', surname: 'Lovelace' }],
    ['Plato', { given: 'Plato', surname: '' }],
    ['', { given: '', surname: '' }],
    ['   ', { given: '', surname: '' }],
  ];
  for (const [full, want] of table) {
    assert.deepEqual(splitName(full), want, full);
  }
});

test('the next page starts after those shown, until the total or the most held', () => {
  /** @type {[number, number, number | null][]} */
  const table = [
    [PAGE, 120, PAGE], [100, 120, 100], [120, 120, null], [0, 0, null], [3, 2, null],
    [MAX_SHOWN, MAX_SHOWN + 500, null], [MAX_SHOWN - PAGE, MAX_SHOWN + 500, MAX_SHOWN - PAGE],
  ];
  for (const [shown, total, want] of table) {
    assert.equal(nextPosition(shown, total), want, `${shown} of ${total}`);
  }
});
