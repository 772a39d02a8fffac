// Moving by days: which day's box holds the pointer, and whole days across a DST change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayAt, daysBetween } from '../app/js/daydrag.js';

test('the day under the pointer', () => {
  const boxes = [0, 100, 200].map((left) => ({ left, right: left + 100, top: 10, bottom: 50 }));
  assert.equal(dayAt(boxes, 150, 20), 1);
  assert.equal(dayAt(boxes, 0, 10), 0);
  assert.equal(dayAt(boxes, 300, 20), -1);
  assert.equal(dayAt(boxes, 150, 50), -1);
});

test('whole days, a DST change between them', () => {
  // Local midnights around the end of summer time (Europe: the last Sunday of October).
  assert.equal(daysBetween(new Date(2026, 9, 24), new Date(2026, 9, 26)), 2);
  assert.equal(daysBetween(new Date(2026, 9, 26), new Date(2026, 9, 24)), -2);
  assert.equal(daysBetween(new Date(2026, 2, 28), new Date(2026, 3, 4)), 7);
});
