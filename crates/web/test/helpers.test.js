// The front-end's pure helpers as tables (node:test, no browser): addresses as typed, reply,
// reply-all and forward prefill, a draft resumed, and the search box's filter. Run by the
// `web` stage of scripts/test: `node --test crates/web/test/`.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseAddresses, formatAddress, prefixed, reply, forward, resume } from '../app/js/draft.js';
import { searchFilter } from '../app/js/search.js';

test('addresses as typed', () => {
  /** @type {[string, { name: string | null, email: string }[], string[]][]} */
  const table = [
    ['', [], []],
    ['a@b.test', [{ name: null, email: 'a@b.test' }], []],
    ['Bob <bob@x.test>, c@y.test', [{ name: 'Bob', email: 'bob@x.test' }, { name: null, email: 'c@y.test' }], []],
    ['"Doe, Jane" <jane@x.test>; ', [{ name: 'Doe, Jane', email: 'jane@x.test' }], []],
    ['root@localhost', [{ name: null, email: 'root@localhost' }], []],
    ['not an address, a@b', [], ['not an address', 'a@b']],
    ['<x@y.test> junk', [], ['<x@y.test> junk']],
  ];
  for (const [text, list, bad] of table) {
    assert.deepEqual(parseAddresses(text), { list, bad }, text);
  }
  const many = Array.from({ length: 101 }, (_, i) => `u${i}@x.test`).join(',');
  assert.equal(parseAddresses(many).bad.length, 1);
  assert.equal(formatAddress({ name: 'Doe, Jane', email: 'j@x.test' }), '"Doe, Jane" <j@x.test>');
  assert.equal(formatAddress({ name: null, email: 'j@x.test' }), 'j@x.test');
});

test('one prefix, never two', () => {
  for (const [subject, want] of [['Hi', 'Re: Hi'], ['re: Hi', 're: Hi'], ['', 'Re:'], [null, 'Re:']]) {
    assert.equal(prefixed('Re:', subject), want);
  }
  assert.equal(prefixed('Fwd:', 'Re: Hi'), 'Fwd: Re: Hi');
});

const original = {
  id: 'e1',
  from: [{ name: 'Bob', email: 'bob@x.test' }],
  to: [{ name: 'Ann', email: 'ann@x.test' }, { name: null, email: 'cy@x.test' }],
  cc: [{ name: null, email: 'dee@x.test' }, { name: null, email: 'BOB@x.test' }],
  subject: 'Plans',
  receivedAt: '2026-12-06T09:00:00Z',
  messageId: ['m2@x.test'],
  references: ['m1@x.test'],
};

test('reply and reply all', () => {
  const one = reply(original, 'line one\n> older\n', false, 'ann@x.test');
  assert.equal(one.to, 'Bob <bob@x.test>');
  assert.equal(one.cc, '');
  assert.equal(one.subject, 'Re: Plans');
  assert.deepEqual(one.inReplyTo, ['m2@x.test']);
  assert.deepEqual(one.references, ['m1@x.test', 'm2@x.test']);
  assert.equal(one.answering, 'e1');
  assert.match(one.body, /wrote:\n> line one\n>> older\n$/);
  const all = reply(original, 'x', true, 'ANN@x.test');
  assert.equal(all.to, 'Bob <bob@x.test>, cy@x.test');
  assert.equal(all.cc, 'dee@x.test');
  // Reply-To wins over From.
  const replyTo = reply({ ...original, replyTo: [{ name: null, email: 'list@x.test' }] }, 'x', false, 'ann@x.test');
  assert.equal(replyTo.to, 'list@x.test');
  // A reply to one's own message goes to its recipients.
  const own = reply({ ...original, from: [{ name: 'Ann', email: 'ann@x.test' }] }, 'x', false, 'ann@x.test');
  assert.equal(own.to, 'Ann <ann@x.test>, cy@x.test');
  // Without a Message-ID there is nothing to name.
  const bare = reply({ ...original, messageId: null }, 'x', false, 'ann@x.test');
  assert.equal(bare.inReplyTo, null);
  assert.equal(bare.references, null);
});

test('forward and a resumed draft', () => {
  const f = forward(original, 'the text');
  assert.equal(f.subject, 'Fwd: Plans');
  assert.equal(f.to, '');
  assert.equal(f.inReplyTo, null);
  assert.match(f.body, /Forwarded message[\s\S]*From: Bob <bob@x\.test>[\s\S]*Cc: dee@x\.test[\s\S]*\n\nthe text$/);
  const r = resume({ ...original, bcc: [{ name: null, email: 'z@x.test' }], inReplyTo: ['m1@x.test'] }, 'so far');
  assert.deepEqual([r.to, r.bcc, r.subject, r.body], ['Ann <ann@x.test>, cy@x.test', 'z@x.test', 'Plans', 'so far']);
  assert.deepEqual(r.inReplyTo, ['m1@x.test']);
});

test('the search box', () => {
  /** @type {[string, Record<string, string> | null][]} */
  const table = [
    ['', null],
    ['   ', null],
    ['invoice', { text: 'invoice' }],
    ['from:bob invoice march', { from: 'bob', text: 'invoice march' }],
    ['subject:"quarterly report" to:ann', { subject: 'quarterly report', to: 'ann' }],
    ['FROM:Bob', { from: 'Bob' }],
    ['from:', null],
    ['http://x.test/a', { text: 'http://x.test/a' }],
    ['subject:"unclosed quote', { subject: 'unclosed quote' }],
  ];
  for (const [query, want] of table) {
    assert.deepEqual(searchFilter(query), want, query);
  }
  assert.ok(searchFilter('a'.repeat(5000))?.text?.length === 1000);
});
