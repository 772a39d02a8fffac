// The Settings security helpers as tables (node:test, no browser): what a failure tells the user
// (the server's description of a method error first) and what a device's wipe state reads as.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MethodError } from '../app/js/api.js';
import { failure, wipeText } from '../app/js/security.js';

test('a failure as the user reads it', () => {
  assert.equal(failure(new MethodError('p', 'forbidden', 'the current password is not right')),
    'the current password is not right');
  assert.equal(failure(new MethodError('p', 'serverFail', undefined)), 'serverFail');
  assert.equal(failure(new Error('offline')), 'Error: offline');
});

test('wipe states', () => {
  /** @type {[string, string][]} */
  const table = [
    ['none', ''],
    ['requested', 'Wipe requested'],
    ['accountRequested', 'Account wipe requested'],
    ['wiped', 'Wiped'],
    ['accountWiped', 'Account wiped'],
    ['anything else', ''],
  ];
  for (const [state, text] of table) {
    assert.equal(wipeText(state), text, state);
  }
});
