// The compose form's pure parts as tables (node:test, no browser): rich text as clean HTML and as
// its text/plain form (richtext.js, on trees built here as the browser's parser would), plain
// text as HTML, the signature above a reply's quote, the HTML quote of a reply, Undo's delay
// setting and the states of a held message (undo.js), and the language tables (strings.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { cleanHtml, htmlToText, textToHtml, escapeHtml } from '../app/js/richtext.js';
import { Hold, holdSeconds, DEFAULT_HOLD, MAX_HOLD } from '../app/js/undo.js';
import { blank, forward, reply, resume, signedHtml, signedText } from '../app/js/draft.js';
import { LANGUAGES, chooseLanguage, localeFor, localised, strings } from '../app/js/strings.js';
import { fr } from '../app/js/lang/fr.js';

const HTML = 'http://www.w3.org/1999/xhtml';

/**
 * An element of a tree as DOMParser would give it.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(object | string)[]} [kids]
 * @param {string} [ns]
 * @returns {any}
 */
function el(tag, attrs = {}, kids = [], ns = HTML) {
  return { nodeType: 1, localName: tag, namespaceURI: ns, getAttribute: (/** @type {string} */ n) => attrs[n] ?? null,
    childNodes: kids.map((k) => (typeof k === 'string' ? { nodeType: 3, data: k, childNodes: [] } : k)) };
}

/** @param {(object | string)[]} kids */
const body = (...kids) => el('body', {}, kids);

test('the editor\'s HTML, cleaned', () => {
  /** @type {[any, string][]} */
  const table = [
    [body('a < b & "c"'), 'a &lt; b &amp; &quot;c&quot;'],
    [body(el('b', {}, ['bold']), ' ', el('i', { class: 'x', style: 'color:red' }, ['it'])), '<b>bold</b> <i>it</i>'],
    [body(el('ul', {}, [el('li', {}, ['one']), el('li', {}, ['two'])])), '<ul><li>one</li><li>two</li></ul>'],
    [body(el('script', {}, ['alert(1)']), 'after'), 'after'],
    [body(el('style', {}, ['p{}']), el('iframe', { src: 'https://evil.test' }, [])), ''],
    [body(el('div', { onclick: 'alert(1)', onmouseover: 'x()' }, ['click'])), '<div>click</div>'],
    [body(el('a', { href: ['java', 'script:alert(1)'].join('') }, ['x'])), '<a>x</a>'],
    [body(el('a', { href: 'https://x.test/?a=1&b="2"', target: '_top' }, ['x'])), '<a>x</a>'],
    [body(el('a', { href: 'https://x.test/?a=1&b=2' }, ['x'])), '<a href="https://x.test/?a=1&amp;b=2">x</a>'],
    [body(el('a', { href: 'mailto:bob@x.test' }, ['Bob'])), '<a href="mailto:bob@x.test">Bob</a>'],
    // Nothing remote: an image from elsewhere goes; inline data stays.
    [body(el('img', { src: 'https://tracker.test/p.gif', onerror: 'x()' }, [])), ''],
    [body(el('img', { src: 'cid:logo@x' }, [])), ''],
    [body(el('img', { src: 'data:image/png;base64,iVBORw0KGgo=', alt: 'dot' }, [])),
      '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">'],
    [body(el('img', { src: 'data:image/svg+xml;base64,PHN2Zz4=' }, [])), ''],
    // Unknown elements give their children; other namespaces nothing.
    [body(el('span', { style: 'font-weight:bold' }, ['plain']), el('font', { color: 'red' }, ['red'])), 'plainred'],
    [body(el('svg', {}, [el('script', {}, ['x'])], 'http://www.w3.org/2000/svg'), 'ok'), 'ok'],
    [body(el('ol', { start: '3" onclick="x' }, [el('li', {}, ['c'])])), '<ol><li>c</li></ol>'],
    [body(el('ol', { start: '3' }, [el('li', {}, ['c'])])), '<ol start="3"><li>c</li></ol>'],
    [body(el('blockquote', { type: 'cite', cite: 'https://x.test' }, ['q'])), '<blockquote type="cite">q</blockquote>'],
    [body('a', el('br', {}, []), 'b', el('hr', {}, [])), 'a<br>b<hr>'],
    [body(el('td', { colspan: '2', rowspan: 'x' }, ['c'])), '<td colspan="2">c</td>'],
  ];
  for (const [tree, want] of table) {
    assert.equal(cleanHtml(tree), want);
  }
});

test('a hostile tree is bounded', () => {
  let deep = el('b', {}, ['core']);
  for (let i = 0; i < 10000; i++) {
    deep = el('div', {}, [deep]);
  }
  const out = cleanHtml(body(deep));
  assert.ok(out.includes('core') && out.length < 10000 * 11, 'past the depth limit only the text is kept');
  assert.equal(htmlToText(body(deep)), 'core');
  assert.equal(escapeHtml('<&>"'), '&lt;&amp;&gt;&quot;');
});

test('the text/plain form of rich text', () => {
  /** @type {[any, string][]} */
  const table = [
    [body('Hello ', el('b', {}, ['world'])), 'Hello world'],
    // The editor's lines: a div each, an empty one a <div><br></div>.
    [body('first', el('div', {}, ['second']), el('div', {}, [el('br', {}, [])]), el('div', {}, ['fourth'])),
      'first\nsecond\n\nfourth'],
    [body(el('p', {}, ['one']), el('p', {}, ['two'])), 'one\n\ntwo'],
    [body(el('ul', {}, [el('li', {}, ['apples']), el('li', {}, ['pears'])])), '- apples\n- pears'],
    [body(el('ol', { start: '4' }, [el('li', {}, ['four']), el('li', {}, ['five'])])), '4. four\n5. five'],
    [body(el('ul', {}, [el('li', {}, ['a', el('ul', {}, [el('li', {}, ['b'])])])])), '- a\n  - b'],
    [body('Me', el('blockquote', {}, ['You said', el('br', {}, []), el('blockquote', {}, ['before'])])),
      'Me\n> You said\n>> before'],
    [body(el('a', { href: 'https://x.test/' }, ['the site'])), 'the site <https://x.test/>'],
    [body(el('a', { href: 'https://x.test/' }, ['https://x.test/'])), 'https://x.test/'],
    [body(el('a', { href: 'mailto:bob@x.test' }, ['bob@x.test'])), 'bob@x.test'],
    [body('  spaced \n  out\u00a0\u00a0here  '), 'spaced out  here'],
    [body(el('pre', {}, ['keep\n  this'])), 'keep\n  this'],
    [body(el('script', {}, ['alert(1)']), 'text', el('style', {}, ['p{}'])), 'text'],
    [body('a', el('hr', {}, []), 'b'), 'a\n----\nb'],
    [body('end', el('div', {}, [el('br', {}, [])]), el('div', {}, [el('br', {}, [])])), 'end'],
    // The signature's separator keeps its space (RFC 3676 §4.3), in a line of its own or before a <br>.
    [body(el('div', {}, ['text']), el('div', {}, ['-- ']), el('div', {}, ['Ann'])), 'text\n-- \nAnn'],
    [body(el('div', {}, ['--\u00a0', el('br', {}, []), 'Ann'])), '-- \nAnn'],
    [body(el('div', {}, ['trailing   ', el('br', {}, []), 'x'])), 'trailing\nx'],
  ];
  for (const [tree, want] of table) {
    assert.equal(htmlToText(tree), want);
  }
});

test('plain text as the editor\'s HTML', () => {
  assert.equal(textToHtml('a <b>\n\nc'), '<div>a &lt;b&gt;</div><div><br></div><div>c</div>');
  assert.equal(textToHtml('me\n> you\n>> before\nme'),
    '<div>me</div><blockquote type="cite"><div>you</div><blockquote type="cite"><div>before</div></blockquote>'
    + '</blockquote><div>me</div>');
  assert.ok(textToHtml('>'.repeat(5000)).length < 5000 * 30, 'deep quotes stop nesting');
});

test('the signature above what the message starts with', () => {
  assert.equal(signedText('', 'Ann\nExample Ltd'), '\n\n-- \nAnn\nExample Ltd');
  assert.equal(signedText('\n\nOn Monday, Bob wrote:\n> hi\n', '-- \nAnn\n'), '\n\n-- \nAnn\n\nOn Monday, Bob wrote:\n> hi\n');
  assert.equal(signedText('body', '  '), 'body');
  assert.equal(signedText('body', null), 'body');
  assert.equal(signedHtml('<blockquote>q</blockquote>', '<b>Ann</b>'),
    '<div><br></div><div><br></div><div>-- <br><b>Ann</b></div><blockquote>q</blockquote>');
  assert.equal(signedHtml('<div>x</div>', ''), '<div>x</div>');
});

const original = {
  id: 'e1',
  from: [{ name: 'Bob <x>', email: 'bob@x.test' }],
  to: [{ name: 'Ann', email: 'ann@x.test' }],
  subject: 'Plans',
  receivedAt: '2026-12-06T09:00:00Z',
  messageId: ['m2@x.test'],
};

test('a reply and a forward quote the original\'s HTML', () => {
  const r = reply(original, 'hi', false, 'ann@x.test', '<b>hi</b>');
  assert.match(r.html ?? '', /^<div><br><\/div><div><br><\/div><div>On .*, &quot;Bob &lt;x&gt;&quot; &lt;bob@x\.test&gt; wrote:<\/div>/);
  assert.match(r.html ?? '', /<blockquote type="cite"><b>hi<\/b><\/blockquote>$/);
  assert.equal(r.sign, true);
  assert.equal(reply(original, 'hi', false, 'ann@x.test').html, null);
  const f = forward(original, 'hi', '<i>hi</i>');
  assert.match(f.html ?? '', /Forwarded message.*<i>hi<\/i>$/);
  assert.equal(forward(original, 'hi').html, null);
  const back = resume(original, 'so far', '<u>so far</u>');
  assert.deepEqual([back.html, back.sign], ['<u>so far</u>', false]);
  assert.deepEqual([blank().html, blank().sign], [null, true]);
});

test('the delay before sending', () => {
  /** @type {[string | null | undefined, number][]} */
  const table = [[null, DEFAULT_HOLD], [undefined, DEFAULT_HOLD], ['', DEFAULT_HOLD], ['0', 0], ['5', 5], [' 30 ', 30],
    ['-3', DEFAULT_HOLD], ['2.5', DEFAULT_HOLD], ['ten', DEFAULT_HOLD], ['100000', MAX_HOLD], ['1e3', DEFAULT_HOLD]];
  for (const [stored, want] of table) {
    assert.equal(holdSeconds(stored), want, String(stored));
  }
});

test('a held message\'s states', () => {
  const sent = new Hold(10, 1000);
  assert.equal(sent.remaining(1000), 10);
  assert.equal(sent.remaining(1001), 10);
  assert.equal(sent.remaining(10_001), 1);
  assert.equal(sent.tick(10_999), 'holding');
  assert.equal(sent.tick(11_000), 'sent');
  assert.equal(sent.remaining(12_000), 0);
  assert.equal(sent.undo(11_500), false, 'too late to ask');

  const undone = new Hold(10, 0);
  assert.equal(undone.undo(3000), true);
  assert.equal(undone.state, 'undoing');
  assert.equal(undone.tick(20_000), 'undoing', 'time does not end an undo under way');
  assert.equal(undone.undo(3100), false, 'asked once');
  assert.equal(undone.answered('cancelled', 20_000), 'undone');
  assert.equal(undone.answered('late', 20_000), 'undone', 'one answer');

  const late = new Hold(10, 0);
  late.undo(9_900);
  assert.equal(late.answered('late', 10_100), 'sent');

  const retry = new Hold(10, 0);
  retry.undo(2000);
  assert.equal(retry.answered('failed', 2500), 'holding', 'a failed undo may be tried again');
  assert.equal(retry.undo(3000), true);
  assert.equal(retry.answered('failed', 12_000), 'sent', 'unless the time is up');
});

test('the language chosen, and English for what a table lacks', () => {
  /** @type {[string | null, string[], string][]} */
  const table = [
    [null, [], 'en'],
    [null, ['fr-CA', 'en'], 'fr'],
    [null, ['de-DE', 'fr'], 'fr'],
    [null, ['de-DE', 'it'], 'en'],
    ['en', ['fr-FR'], 'en'],
    ['fr', ['en-US'], 'fr'],
    ['FR', [], 'fr'],
    ['xx', ['fr'], 'fr'],
    ['__proto__', [], 'en'],
    ['constructor', ['toString'], 'en'],
  ];
  for (const [chosen, browser, want] of table) {
    assert.equal(chooseLanguage(chosen, browser), want, `${chosen} ${browser}`);
  }
  assert.equal(localeFor('en', ['en-GB', 'fr']), 'en-GB');
  assert.equal(localeFor('fr', ['en-GB']), 'fr');
  const base = { a: 'A', f: (/** @type {number} */ n) => `${n}`, s: { b: 'B', c: 'C' } };
  const partial = localised(base, { a: 'a', f: 'not a function', s: { c: 'c' } });
  assert.deepEqual([partial.a, partial.f(2), partial.s.b, partial.s.c], ['a', '2', 'B', 'c']);
  assert.equal(strings.compose.send, 'Send', 'English without a browser or a choice');
});

/**
 * Every string of `base` that `table` lacks or has of another kind, by path.
 * @param {Record<string, any>} base
 * @param {Record<string, any>} table
 * @param {string} path
 * @returns {string[]}
 */
function missing(base, table, path = '') {
  return Object.entries(base).flatMap(([k, v]) => {
    const own = table?.[k];
    if (v && typeof v === 'object') {
      return own && typeof own === 'object' ? missing(v, own, `${path}${k}.`) : [`${path}${k}`];
    }
    return typeof own === typeof v && (typeof v !== 'function' || own.length === v.length) ? [] : [`${path}${k}`];
  });
}

test('French has every string', () => {
  const en = LANGUAGES.en.table;
  assert.deepEqual(missing(en, fr), []);
  assert.deepEqual(missing(fr, en), [], 'and no string English does not have');
  const french = localised(/** @type {any} */ (en), fr);
  assert.equal(french.compose.send, 'Envoyer');
  assert.equal(french.undo.sending(8), 'Envoi dans 8 s…');
  assert.equal(french.mail.unread(2), '2 non lus');
});
