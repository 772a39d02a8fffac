// People completion's pure helpers as tables (node:test): the address being typed in a
// comma-separated field, the field with a chosen person, and the two sources merged.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { lastToken, withChosen, mergePeople } from '../app/js/people.js';

test('the address being typed is the text after the last separator outside quotes', () => {
  /** @type {[string, { before: string, token: string }][]} */
  const table = [
    ['', { before: '', token: '' }],
    ['bo', { before: '', token: 'bo' }],
    ['ann@example.test, bo', { before: 'ann@example.test, ', token: 'bo' }],
    ['a@b;c', { before: 'a@b;', token: 'c' }],
    ['"Doe, Jane" <j@d.test>, ', { before: '"Doe, Jane" <j@d.test>, ', token: '' }],
    ['"Doe, Ja', { before: '', token: '"Doe, Ja' }],
  ];
  for (const [value, want] of table) {
    assert.deepEqual(lastToken(value), want, value);
  }
});

test('a chosen person replaces what was typed, ready for the next', () => {
  /** @type {[string, { name: string, email: string, kind: string }, string][]} */
  const table = [
    ['bo', { name: 'Bob Example', email: 'bob@example.test', kind: 'individual' }, 'Bob Example <bob@example.test>, '],
    ['a@b.test,bo', { name: '', email: 'bob@example.test', kind: 'individual' }, 'a@b.test, bob@example.test, '],
    ['x', { name: 'Doe, Jane', email: 'j@d.test', kind: 'contact' }, '"Doe, Jane" <j@d.test>, '],
  ];
  for (const [value, person, want] of table) {
    assert.equal(withChosen(value, person), want, value);
  }
});

test('the directory and the contacts merged: one per address, directory first, bounded, by kind', () => {
  const principals = [
    { id: 'p2', name: 'Bob Example', email: 'bob@example.test', type: 'individual' },
    { id: 'p3', name: 'board@example.test', email: 'board@example.test', type: 'location' },
    { id: 'p9', name: 'No address', email: null, type: 'group' },
  ];
  const cards = [
    { name: { full: 'Bobby' }, emails: { e1: { address: 'BOB@example.test' }, e2: { address: 'bob@home.test' } } },
    { name: { components: [{ kind: 'given', value: 'Grace' }, { kind: 'surname', value: 'Hopper' }] },
      emails: { e: { address: 'grace@navy.test' } } },
  ];
  assert.deepEqual(mergePeople(principals, cards, 10), [
    { name: 'Bob Example', email: 'bob@example.test', kind: 'individual', principalId: 'p2' },
    { name: '', email: 'board@example.test', kind: 'location', principalId: 'p3' },
    { name: 'Bobby', email: 'bob@home.test', kind: 'contact' },
    { name: 'Grace Hopper', email: 'grace@navy.test', kind: 'contact' },
  ]);
  assert.equal(mergePeople(principals, cards, 2).length, 2);
  assert.deepEqual(mergePeople(principals, cards, 10, ['location']).map((p) => p.email), ['board@example.test']);
});
