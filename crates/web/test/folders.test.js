// The folder tree's order and depths, and what a junk report writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { folderTree, MAX_DEPTH } from '../app/js/folders.js';
import { junkTarget, junkPatch, isInJunk } from '../app/js/junk.js';
import { chunks, SET_CHUNK } from '../app/js/batches.js';

const box = (id, name, parentId = null, role = null, sortOrder = 0) => ({ id, name, parentId, role, sortOrder });

test('each folder after its parent, Inbox first, children in order', () => {
  const list = [
    box('p2', '2026', 'p'), box('t', 'Trash', null, 'trash', 5), box('p', 'Projects'), box('i', 'Inbox', null, 'inbox', 9),
    box('p1', 'Archive 2025', 'p'), box('q', 'Quotes', 'p2'), box('lost', 'Orphan', 'gone'),
  ];
  const got = folderTree(list).map((n) => [n.mailbox.id, n.depth, n.parent]);
  assert.deepEqual(got, [
    ['i', 0, null], ['lost', 0, null], ['p', 0, null], ['p2', 1, 'Projects'], ['q', 2, '2026'],
    ['p1', 1, 'Projects'], ['t', 0, null],
  ]);
});

test('a cycle of parents and a very deep tree are drawn, bounded', () => {
  const cycle = folderTree([box('a', 'A', 'b'), box('b', 'B', 'a'), box('self', 'Self', 'self')]);
  assert.deepEqual(cycle.map((n) => n.mailbox.id).sort(), ['a', 'b', 'self']);
  const deep = Array.from({ length: 5000 }, (_, i) => box(`d${i}`, `D${i}`, i === 0 ? null : `d${i - 1}`));
  const tree = folderTree(deep);
  assert.equal(tree.length, 5000);
  assert.equal(Math.max(...tree.map((n) => n.depth)), MAX_DEPTH);
});

test('junk and not junk', () => {
  const boxes = [{ id: 'i', role: 'inbox' }, { id: 'j', role: 'junk' }, { id: 'x', role: null }];
  assert.equal(junkTarget(boxes, true), 'j');
  assert.equal(junkTarget(boxes, false), 'i');
  assert.equal(junkTarget([{ id: 'x', role: null }], true), null);
  assert.deepEqual(junkPatch('j', true), { mailboxIds: { j: true }, 'keywords/$junk': true, 'keywords/$notjunk': null });
  assert.deepEqual(junkPatch('i', false), { mailboxIds: { i: true }, 'keywords/$junk': null, 'keywords/$notjunk': true });
  assert.equal(isInJunk(boxes, { j: true }), true);
  assert.equal(isInJunk(boxes, { i: true }), false);
  assert.deepEqual(chunks(Array.from({ length: SET_CHUNK + 1 }, (_, i) => String(i))).map((c) => c.length), [SET_CHUNK, 1]);
});
