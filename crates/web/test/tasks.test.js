// The tasks view's pure helpers as tables (node:test): done and overdue, the order shown, the
// due fields of a form and the JSCalendar properties it sets.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { isDone, isOverdue, sortTasks, dueFields, taskProperties } from '../app/js/tasks.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');

test('a task is overdue when it is open and its due moment is past', () => {
  /** @type {[import('../app/js/tasks.js').Task, boolean][]} */
  const table = [
    [{ id: 'a', taskListId: 'l', utcDue: '2026-12-06T11:59:59Z' }, true],
    [{ id: 'b', taskListId: 'l', utcDue: '2026-12-06T12:00:01Z' }, false],
    [{ id: 'c', taskListId: 'l', utcDue: '2026-12-01T00:00:00Z', progress: 'completed' }, false],
    [{ id: 'd', taskListId: 'l', utcDue: '2026-12-01T00:00:00Z', progress: 'cancelled' }, false],
    [{ id: 'e', taskListId: 'l', utcDue: '2026-12-01T00:00:00Z', progress: 'in-process' }, true],
    [{ id: 'f', taskListId: 'l' }, false],
    [{ id: 'g', taskListId: 'l', utcDue: 'garbage' }, false],
    [{ id: 'h', taskListId: 'l', utcDue: null }, false],
    // Due on a day without a time: not overdue before the day is over.
    [{ id: 'i', taskListId: 'l', due: '2026-12-06T00:00:00', utcDue: '2026-12-06T00:00:00Z' }, false],
    [{ id: 'j', taskListId: 'l', due: '2026-12-05T00:00:00', utcDue: '2026-12-05T00:00:00Z' }, true],
    [{ id: 'k', taskListId: 'l', due: '2026-12-06T09:00:00', utcDue: '2026-12-06T09:00:00Z' }, true],
  ];
  for (const [task, want] of table) {
    assert.equal(isOverdue(task, NOW), want, task.id);
  }
  assert.equal(isDone({ id: 'x', taskListId: 'l', progress: 'needs-action' }), false);
});

test('open tasks first, by due moment with the undated last, then by title', () => {
  const tasks = [
    { id: 'done', taskListId: 'l', title: 'A', utcDue: '2026-12-01T00:00:00Z', progress: 'completed' },
    { id: 'undated', taskListId: 'l', title: 'B' },
    { id: 'late', taskListId: 'l', title: 'C', utcDue: '2026-12-20T00:00:00Z' },
    { id: 'soon', taskListId: 'l', title: 'D', utcDue: '2026-12-07T00:00:00Z' },
    { id: 'same', taskListId: 'l', title: 'B', utcDue: '2026-12-07T00:00:00Z' },
    { id: 'bad', taskListId: 'l', title: 'A', utcDue: 'x' },
  ];
  assert.deepEqual(sortTasks(tasks).map((x) => x.id), ['same', 'soon', 'late', 'bad', 'undated', 'done']);
  assert.equal(tasks[0].id, 'done', 'a new array: the given one is left as it was');
});

test('the due fields of a form, and the properties it sets', () => {
  /** @type {[string | undefined, { date: string, time: string }][]} */
  const fields = [
    ['2026-12-20T17:30:00', { date: '2026-12-20', time: '17:30' }],
    ['2026-12-20T00:00:00', { date: '2026-12-20', time: '' }],
    [undefined, { date: '', time: '' }],
    ['soon', { date: '', time: '' }],
  ];
  for (const [due, want] of fields) {
    assert.deepEqual(dueFields({ id: 't', taskListId: 'l', due }), want, String(due));
  }
  assert.deepEqual(dueFields(null), { date: '', time: '' });
  /** @type {[import('../app/js/tasks.js').TaskForm, Record<string, string | null>][]} */
  const table = [
    [{ title: ' Buy milk ', description: '', date: '2026-12-08', time: '18:00' },
      { title: 'Buy milk', description: null, due: '2026-12-08T18:00:00', timeZone: 'Europe/Paris' }],
    [{ title: 'Taxes', description: ' all ', date: '2026-12-08', time: '' },
      { title: 'Taxes', description: 'all', due: '2026-12-08T00:00:00', timeZone: 'Europe/Paris' }],
    [{ title: 'Someday', description: '', date: '', time: '09:00' },
      { title: 'Someday', description: null, due: null, timeZone: null }],
    [{ title: 'Odd', description: '', date: '2026-12-8', time: '9' },
      { title: 'Odd', description: null, due: null, timeZone: null }],
  ];
  for (const [form, want] of table) {
    assert.deepEqual(taskProperties(form, 'Europe/Paris'), want, form.title);
  }
  assert.equal(taskProperties({ title: 'x'.repeat(5000), description: '', date: '', time: '' }, 'UTC').title?.length, 1000);
});
