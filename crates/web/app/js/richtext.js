// Rich text as the compose form sends it, on a tree of nodes (the editor's, or a parse of pasted
// or quoted HTML — any object with the few DOM properties read here, so that node:test can give
// its own): `cleanHtml` writes it back as HTML keeping only simple formatting (no script, no
// style, no event handler, no attribute but a link's http/https/mailto address and a few
// numbers; images only when inline data, so nothing remote is ever fetched), `htmlToText` is its
// text/plain form (lists with markers, quotes with `> `, links with their address), and
// `textToHtml` the other way, for the plain/rich switch. No DOM needed.

/**
 * @typedef {{ nodeType: number, localName?: string | null, data?: string | null,
 *   namespaceURI?: string | null, childNodes: ArrayLike<Tree>,
 *   getAttribute?: (name: string) => string | null }} Tree
 */

const ELEMENT = 1;
const TEXT = 3;
const HTML_NS = 'http://www.w3.org/1999/xhtml';
/** Deeper than this, only an element's text is kept (a hostile tree must not exhaust the stack). */
const MAX_DEPTH = 64;
/** The longest text or HTML written (characters). */
export const MAX_OUTPUT = 1024 * 1024;

/** Dropped with all they hold. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'object',
  'embed', 'applet', 'form', 'input', 'button', 'select', 'textarea', 'option', 'link', 'meta', 'base',
  'title', 'head', 'svg', 'math', 'audio', 'video', 'source', 'track', 'canvas', 'portal', 'dialog', 'slot']);
/** Kept (with the attributes ATTRIBUTES allows); any other element gives only its children. */
const KEPT = new Set(['a', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'del', 'ins', 'sub', 'sup', 'code',
  'kbd', 'pre', 'blockquote', 'br', 'p', 'div', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'img']);
const VOID = new Set(['br', 'hr', 'img']);
/** Elements that start and end a line of text. */
const BLOCK = new Set(['p', 'div', 'ul', 'ol', 'li', 'blockquote', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'caption', 'section', 'article', 'header', 'footer',
  'address', 'center', 'dl', 'dt', 'dd', 'figure', 'figcaption', 'main', 'nav', 'aside', 'details', 'summary']);
const LINK = /^(https?:\/\/|mailto:)[^\s<>"]+$/i;
const NUMBER = /^\d{1,4}$/;
/** An inline image the user pasted: data only (never a fetch). */
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]+$/i;

/**
 * Text for HTML: `&`, `<`, `>` and `"` as references.
 * @param {string} text
 */
export function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** @param {Tree} node */
function nameOf(node) {
  if (node.namespaceURI && node.namespaceURI !== HTML_NS) {
    return 'svg'; // dropped: nothing of another namespace is kept
  }
  return String(node.localName ?? '').toLowerCase();
}

/**
 * @param {Tree} node
 * @param {string} name
 */
function attribute(node, name) {
  return node.getAttribute?.(name) ?? null;
}

/**
 * The attributes an element keeps, as HTML (each with its leading space).
 * @param {Tree} node
 * @param {string} tag
 */
function keptAttributes(node, tag) {
  /** @type {[string, string | null][]} */
  const wanted = [];
  if (tag === 'a') {
    const href = (attribute(node, 'href') ?? '').trim();
    wanted.push(['href', LINK.test(href) ? href : null]);
  } else if (tag === 'ol') {
    wanted.push(['start', attribute(node, 'start')]);
  } else if (tag === 'td' || tag === 'th') {
    wanted.push(['colspan', attribute(node, 'colspan')], ['rowspan', attribute(node, 'rowspan')]);
  } else if (tag === 'img') {
    const src = (attribute(node, 'src') ?? '').trim();
    wanted.push(['src', DATA_IMAGE.test(src) ? src : null], ['alt', attribute(node, 'alt')]);
  } else if (tag === 'blockquote') {
    wanted.push(['type', attribute(node, 'type') === 'cite' ? 'cite' : null]);
  }
  return wanted
    .filter(([name, value]) => value !== null && (name === 'href' || name === 'src' || name === 'alt'
      || name === 'type' || NUMBER.test(value)))
    .map(([name, value]) => ` ${name}="${escapeHtml(String(value))}"`).join('');
}

/**
 * The children of `node` as clean HTML (see the top of this file).
 * @param {Tree} node
 * @returns {string}
 */
export function cleanHtml(node) {
  /** @type {string[]} */
  const out = [];
  let size = 0;
  /** @param {string} s */
  const put = (s) => {
    if (size < MAX_OUTPUT) {
      out.push(s);
      size += s.length;
    }
  };
  /** @param {Tree} parent @param {number} depth */
  const children = (parent, depth) => {
    for (const child of Array.from(parent.childNodes)) {
      if (child.nodeType === TEXT) {
        put(escapeHtml(child.data ?? ''));
      } else if (child.nodeType === ELEMENT) {
        element(child, depth + 1);
      }
    }
  };
  /** @param {Tree} el @param {number} depth */
  const element = (el, depth) => {
    const tag = nameOf(el);
    if (DROPPED.has(tag)) {
      return;
    }
    if (depth > MAX_DEPTH) {
      put(escapeHtml(flatText(el)));
      return;
    }
    if (tag === 'img' && !DATA_IMAGE.test((attribute(el, 'src') ?? '').trim())) {
      return;
    }
    const kept = KEPT.has(tag);
    if (kept) {
      put(`<${tag}${keptAttributes(el, tag)}>`);
    }
    if (!VOID.has(tag)) {
      children(el, depth);
    }
    if (kept && !VOID.has(tag)) {
      put(`</${tag}>`);
    }
  };
  children(node, 0);
  return out.join('').slice(0, MAX_OUTPUT);
}

/**
 * A line without its trailing spaces, but the signature separator `-- `.
 * @param {string} line
 */
function trimmed(line) {
  return /^--[ \u00a0]$/.test(line) ? '-- ' : line.replace(/[ ]+$/, '');
}

/** Lines of text being written: the finished ones and the one open. */
class Lines {
  constructor() {
    /** @type {string[]} */
    this.done = [];
    this.open = '';
  }

  /** @param {string} text */
  add(text) {
    this.open += this.open ? text : text.replace(/^ +/, '');
  }

  /** Ends the open line, empty or not (a `<br>`); a signature's `-- ` keeps its space (RFC 3676 §4.3). */
  end() {
    this.done.push(trimmed(this.open));
    this.open = '';
  }

  /** Starts a new line unless the open one is empty (a block's edge). */
  edge() {
    if (this.open) {
      this.end();
    }
  }

  /** Every line, the open one with them. @returns {string[]} */
  all() {
    return this.open ? [...this.done, trimmed(this.open)] : this.done;
  }
}

/**
 * The text/plain form of `node`'s children: a line per block and `<br>`, list items after `- `
 * or their number, quotes after `> `, a link's address after its text, a blank line after a
 * paragraph; no trailing blank lines.
 * @param {Tree} node
 * @returns {string}
 */
export function htmlToText(node) {
  const lines = new Lines();
  writeChildren(node, lines, { pre: false, depth: 0 });
  const all = lines.all();
  while (all.length && all[all.length - 1] === '') {
    all.pop();
  }
  return all.join('\n').replace(/\u00a0/g, ' ').slice(0, MAX_OUTPUT);
}

/**
 * @typedef {{ pre: boolean, depth: number }} Context
 * @param {Tree} parent
 * @param {Lines} lines
 * @param {Context} ctx
 */
function writeChildren(parent, lines, ctx) {
  let item = Number(attribute(parent, 'start') ?? '1');
  item = Number.isFinite(item) ? item : 1;
  const tag = parent.nodeType === ELEMENT ? nameOf(parent) : '';
  for (const child of Array.from(parent.childNodes)) {
    if (child.nodeType === TEXT) {
      writeText(child.data ?? '', lines, ctx.pre);
    } else if (child.nodeType === ELEMENT && ctx.depth >= MAX_DEPTH) {
      writeText(flatText(child), lines, ctx.pre);
    } else if (child.nodeType === ELEMENT) {
      const marker = nameOf(child) === 'li' ? (tag === 'ol' ? `${item++}. ` : '- ') : '';
      writeElement(child, lines, { ...ctx, depth: ctx.depth + 1 }, marker);
    }
  }
}

/**
 * @param {string} text
 * @param {Lines} lines
 * @param {boolean} pre
 */
function writeText(text, lines, pre) {
  if (!pre) {
    lines.add(text.replace(/[\t\n\r\f ]+/g, ' '));
    return;
  }
  text.split(/\r?\n/).forEach((line, i) => {
    if (i > 0) {
      lines.end();
    }
    lines.open += line;
  });
}

/**
 * @param {Tree} el
 * @param {Lines} lines
 * @param {Context} ctx
 * @param {string} marker a list item's `- ` or number
 */
function writeElement(el, lines, ctx, marker) {
  const tag = nameOf(el);
  if (DROPPED.has(tag)) {
    return;
  }
  if (tag === 'br') {
    lines.end();
    return;
  }
  if (tag === 'hr') {
    lines.edge();
    lines.add('----');
    lines.end();
    return;
  }
  if (tag === 'blockquote' || tag === 'li') {
    const inner = new Lines();
    writeChildren(el, inner, ctx);
    lines.edge();
    inner.all().forEach((line, i) => {
      const lead = tag === 'li' ? (i === 0 ? marker : ' '.repeat(marker.length)) : (line.startsWith('>') || !line ? '>' : '> ');
      lines.done.push(`${lead}${line}`);
    });
    return;
  }
  const block = BLOCK.has(tag);
  if (block) {
    lines.edge();
  }
  writeChildren(el, lines, { ...ctx, pre: ctx.pre || tag === 'pre' });
  if (tag === 'a') {
    const href = (attribute(el, 'href') ?? '').trim();
    const shown = flatText(el).trim();
    const bare = href.replace(/^mailto:/i, '');
    if (LINK.test(href) && shown !== href && shown !== bare) {
      lines.add(` <${bare}>`);
    }
  } else if (tag === 'td' || tag === 'th') {
    lines.add(' ');
  }
  if (block) {
    lines.edge();
    if (tag === 'p') {
      lines.end();
    }
  }
}

/**
 * The text in `node`, however deep (without recursion), but that of dropped elements.
 * @param {Tree} node
 * @returns {string}
 */
function flatText(node) {
  /** @type {string[]} */
  const out = [];
  let size = 0;
  const stack = [...Array.from(node.childNodes)].reverse();
  while (stack.length && size < MAX_OUTPUT) {
    const next = /** @type {Tree} */ (stack.pop());
    if (next.nodeType === TEXT) {
      out.push(next.data ?? '');
      size += (next.data ?? '').length;
    } else if (next.nodeType === ELEMENT && !DROPPED.has(nameOf(next))) {
      stack.push(...Array.from(next.childNodes).reverse());
    }
  }
  return out.join('');
}

/**
 * Plain text as the editor's HTML: a `<div>` a line (`<div><br></div>` an empty one), runs of
 * `>` lines as a quote.
 * @param {string} text
 * @param {number} [depth] quotes around it already (deeper than MAX_DEPTH, `>` stays text)
 * @returns {string}
 */
export function textToHtml(text, depth = 0) {
  const lines = text.slice(0, MAX_OUTPUT).replace(/\r\n?/g, '\n').split('\n');
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < lines.length;) {
    if (lines[i].startsWith('>') && depth < MAX_DEPTH) {
      const quoted = [];
      while (i < lines.length && lines[i].startsWith('>')) {
        quoted.push(lines[i].replace(/^> ?/, ''));
        i++;
      }
      out.push(`<blockquote type="cite">${textToHtml(quoted.join('\n'), depth + 1)}</blockquote>`);
    } else {
      out.push(lines[i] ? `<div>${escapeHtml(lines[i])}</div>` : '<div><br></div>');
      i++;
    }
  }
  return out.join('');
}
