// The reading pane's and the compose form's pure helpers as tables (node:test, no browser):
// sizes as people read them, a file refused by size or count, the parts Email/set attaches,
// Content-IDs and inline images, quoted text folded, the search form's dates and checkbox, and a
// forward keeping its original's attachments. Run by `node --test crates/web/test/`.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatSize, refusedFile, attachmentsFor, contentId, inlineImages, MAX_ATTACHMENTS } from '../app/js/files.js';
import { foldQuotes } from '../app/js/quotes.js';
import { searchFilter, dayStart } from '../app/js/search.js';
import { forward, reply, resume } from '../app/js/draft.js';

test('sizes as people read them', () => {
  /** @type {[number, string][]} */
  const table = [
    [0, '0 B'], [1, '1 B'], [1023, '1023 B'], [1024, '1.0 KB'], [1536, '1.5 KB'], [10 * 1024 - 1, '9.9 KB'],
    [10 * 1024, '10 KB'], [1024 * 1024 - 1, '1023 KB'], [1024 * 1024, '1.0 MB'], [50 * 1024 * 1024, '50 MB'],
    [3 * 1024 ** 3, '3.0 GB'], [2 * 1024 ** 5, '2048 TB'], [-1, ''], [Number.NaN, ''],
  ];
  for (const [bytes, want] of table) {
    assert.equal(formatSize(bytes), want, String(bytes));
  }
});

test('a file refused by size or count', () => {
  const say = {
    tooLarge: (/** @type {string} */ n, /** @type {string} */ s, /** @type {string} */ m) => `${n} ${s} > ${m}`,
    tooMany: (/** @type {number} */ n) => `max ${n}`,
  };
  const max = 50 * 1024 * 1024;
  assert.equal(refusedFile({ name: 'a.pdf', size: max }, max, 0, say), null);
  assert.equal(refusedFile({ name: 'a.pdf', size: max + 1 }, max, 0, say), `a.pdf ${max + 1} B > ${max} B`);
  assert.equal(refusedFile({ name: 'big.iso', size: 3 * 1024 ** 3 }, max, 0, say), 'big.iso 3.0 GB > 50 MB');
  assert.equal(refusedFile({ name: 'any', size: 10 ** 12 }, 0, 0, say), null, 'no maxSizeUpload: no bound here');
  assert.equal(refusedFile({ name: 'x', size: 1 }, max, MAX_ATTACHMENTS, say), `max ${MAX_ATTACHMENTS}`);
});

test('the parts Email/set attaches, and inline images by Content-ID', () => {
  const parts = [
    { blobId: 'b1', name: 'report.pdf', type: 'application/pdf', size: 10, partId: '2' },
    { blobId: 'b2', name: null, type: '', size: 3 },
    { blobId: 'b3', name: 'logo.png', type: 'image/png', size: 5, cid: '<Logo.1@Example.test>', disposition: 'inline' },
    { blobId: 'b4', name: 'page.html', type: 'text/html', size: 5, cid: '<page@x>' },
  ];
  assert.deepEqual(attachmentsFor(parts.slice(0, 3)), [
    { blobId: 'b1', type: 'application/pdf', name: 'report.pdf', disposition: 'attachment' },
    { blobId: 'b2', type: 'application/octet-stream', name: null, disposition: 'attachment' },
    { blobId: 'b3', type: 'image/png', name: 'logo.png', disposition: 'attachment' },
  ]);
  for (const [id, want] of [['cid:logo.1@example.test', 'logo.1@example.test'], ['<a%20b@x>', 'a b@x'],
    [' CID:%zz@x ', '%zz@x'], ['cid:<x@y>', 'x@y']]) {
    assert.equal(contentId(id), want, id);
  }
  const images = inlineImages(parts);
  assert.deepEqual([...images.keys()], ['logo.1@example.test'], 'images only, by their Content-ID');
  assert.equal(images.get(contentId('cid:LOGO.1@example.test'))?.blobId, 'b3');
  assert.equal(inlineImages(null).size, 0);
});

test('quoted text folded', () => {
  /** @type {[string, [boolean, string][]][]} */
  const table = [
    ['no quote here\nat all', [[false, 'no quote here\nat all']]],
    ['> all quoted\n> still', [[false, '> all quoted\n> still']]],
    ['Yes.\n\nOn Sun, 6 Dec 2026, Bob wrote:\n> Are you coming?\n> Soon?\n',
      [[false, 'Yes.\n'], [true, '\nOn Sun, 6 Dec 2026, Bob wrote:\n> Are you coming?\n> Soon?'], [false, '\n']]],
    ['> first\nmy answer\n>> deeper\n> back\nend',
      [[true, '> first'], [false, '\nmy answer'], [true, '\n>> deeper\n> back'], [false, '\nend']]],
    ['Hi\r\nAm 1.12. schrieb Eva:\r\n> Hallo', [[false, 'Hi'], [true, '\nAm 1.12. schrieb Eva:\n> Hallo']]],
    ['A line that says wrote: but\nno quote follows', [[false, 'A line that says wrote: but\nno quote follows']]],
  ];
  for (const [text, want] of table) {
    const got = foldQuotes(text);
    assert.deepEqual(got.map((s) => [s.quoted, s.text]), want, JSON.stringify(text));
    assert.equal(got.map((s) => s.text).join(''), text.replace(/\r\n/g, '\n'), 'the segments are the text again');
  }
});

test('the search form: dates in the browser zone and has-attachment', () => {
  const utc = (/** @type {number[]} */ ...ymd) => new Date(ymd[0], ymd[1] - 1, ymd[2]).toISOString().replace('.000Z', 'Z');
  assert.equal(dayStart('2026-12-06'), utc(2026, 12, 6));
  assert.equal(dayStart('2026-12-31', 1), utc(2027, 1, 1));
  for (const bad of ['', undefined, '6.12.2026', '2026-1-1', '2026-12-06T00:00']) {
    assert.equal(dayStart(bad), null, String(bad));
  }
  assert.match(/** @type {string} */ (dayStart('2026-03-29')), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.deepEqual(searchFilter('', { hasAttachment: true }), { hasAttachment: true });
  assert.deepEqual(searchFilter('from:carol report', { from: '2026-12-01', until: '2026-12-06', hasAttachment: false }),
    { from: 'carol', text: 'report', after: utc(2026, 12, 1), before: utc(2026, 12, 7) });
  assert.equal(searchFilter('  ', { from: '', until: 'x', hasAttachment: false }), null);
});

test('a forward keeps the attachments, a reply does not, a draft goes on with its own', () => {
  const attachments = [{ blobId: 'b9_2', name: 'plan.pdf', type: 'application/pdf', size: 1000 }];
  const original = { id: 'm1', receivedAt: '2026-12-06T09:00:00Z', subject: 'Plan', attachments,
    from: [{ name: 'Bob', email: 'bob@x.test' }], messageId: ['a@x'] };
  assert.deepEqual(forward(original, 'text').attachments, attachments);
  assert.deepEqual(reply(original, 'text', false, 'ann@x.test').attachments, []);
  assert.deepEqual(resume(original, 'text').attachments, attachments);
  assert.deepEqual(forward({ ...original, attachments: null }, 'text').attachments, []);
});
