// A message's HTML made safe to show: parsed by DOMParser (an inert document: nothing runs,
// nothing loads), then only known-harmless elements and attributes are kept. What is kept is
// shown in the message frame (/web/frame), an iframe sandboxed without scripts whose own
// Content-Security-Policy forbids scripts and every fetch — remote images included, until the
// user allows them for the message. Each of the three stops what the others miss. An inline
// image (`cid:`, RFC 2392) of one of the message's own parts points at that part's download URL
// on our origin (the one kind of URL the frame loads without asking); any other `cid:` is dropped.

/** Dropped with everything inside them. */
const DROPPED = new Set([
  'script', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'form', 'input', 'button', 'select', 'textarea', 'option', 'link', 'meta', 'base', 'title',
  'svg', 'math', 'audio', 'video', 'source', 'track', 'canvas', 'portal', 'dialog', 'slot',
]);

/** Kept; any other element is replaced by its children. */
const KEPT = new Set([
  'a', 'abbr', 'address', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite',
  'code', 'col', 'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'font', 'h1', 'h2', 'h3',
  'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'samp',
  'small', 'span', 'strike', 'strong', 'style', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th',
  'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr', 'figure', 'figcaption', 'section',
  'article', 'header', 'footer', 'main', 'nav', 'aside', 'details', 'summary',
]);

/** Attributes kept (besides the URL ones checked below). */
const ATTRIBUTES = new Set([
  'align', 'alt', 'bgcolor', 'border', 'cellpadding', 'cellspacing', 'color', 'colspan', 'dir',
  'face', 'height', 'lang', 'rowspan', 'size', 'style', 'title', 'valign', 'width', 'class', 'start',
  'type', 'datetime', 'open', 'span', 'headers', 'scope', 'abbr', 'cite',
]);

const REMOTE = /^\s*(https?:)?\/\//i;
const CSS_REMOTE_TOKENS = /url\s*\(|@import|image-set\s*\(/i;

/**
 * Whether CSS text can fetch something: `url(`, `@import`, `image-set(`, also when spelt with
 * CSS escapes (`\75rl(`), which the browser reads as the letters they stand for.
 * @param {string} css
 * @returns {boolean}
 */
function cssFetches(css) {
  const unescaped = css
    .replace(/\\([0-9a-f]{1,6})[ \t\n\r\f]?/gi, (_, hex) => {
      const code = parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    })
    .replace(/\\(.)/g, '$1');
  return CSS_REMOTE_TOKENS.test(unescaped);
}

/**
 * @typedef {{ nodes: Node[], styles: string[], remote: boolean, cids: Set<string> }} Clean
 * @typedef {(cid: string) => string | null} Inline the URL of the part a `cid:` URL names
 */

/**
 * The safe content of `html`: body nodes (for the frame's document), the text of its style
 * sheets, whether it refers to remote content (so the page offers to show it), and the
 * `cid:` URLs it shows inline (as `inline` spelt them).
 * @param {string} html
 * @param {boolean} allowRemote keep remote image sources (the frame's policy decides too)
 * @param {Inline} [inline]
 * @returns {Clean}
 */
export function sanitize(html, allowRemote, inline = () => null) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const clean = { nodes: /** @type {Node[]} */ ([]), styles: /** @type {string[]} */ ([]), remote: false,
    cids: /** @type {Set<string>} */ (new Set()) };
  for (const style of doc.querySelectorAll('style')) {
    // A sheet that fetches is kept: the frame's policy blocks remote fetches until they are
    // allowed; what it can still reach is our own origin's images (inline cid: parts), by GET,
    // which changes nothing on the server and shows the message nothing back.
    if (cssFetches(style.textContent ?? '')) {
      clean.remote = true;
    }
    clean.styles.push(style.textContent ?? '');
    style.remove();
  }
  cleanChildren(doc.body, clean, allowRemote, inline);
  clean.nodes = [...doc.body.childNodes];
  return clean;
}

/**
 * @param {Element} parent
 * @param {Clean} clean
 * @param {boolean} allowRemote
 * @param {Inline} inline
 */
function cleanChildren(parent, clean, allowRemote, inline) {
  for (const node of [...parent.childNodes]) {
    if (node.nodeType === Node.TEXT_NODE) {
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) {
      node.remove();
      continue;
    }
    const el = /** @type {Element} */ (node);
    const tag = el.localName;
    if (DROPPED.has(tag) || el.namespaceURI !== 'http://www.w3.org/1999/xhtml') {
      el.remove();
      continue;
    }
    cleanChildren(el, clean, allowRemote, inline);
    if (tag === 'style') {
      clean.styles.push(el.textContent ?? '');
      el.remove();
    } else if (!KEPT.has(tag)) {
      el.replaceWith(...el.childNodes);
    } else {
      cleanAttributes(el, clean, allowRemote, inline);
    }
  }
}

/**
 * @param {Element} el
 * @param {Clean} clean
 * @param {boolean} allowRemote
 * @param {Inline} inline
 */
function cleanAttributes(el, clean, allowRemote, inline) {
  let link = false;
  for (const { name, value } of [...el.attributes]) {
    const lower = name.toLowerCase();
    if (lower === 'href' && el.localName === 'a') {
      link = /^\s*(https?:|mailto:)/i.test(value);
      if (!link) {
        el.removeAttribute(name);
      }
    } else if (lower === 'src' && el.localName === 'img') {
      const part = /^\s*cid:/i.test(value) ? inline(value.trim()) : null;
      if (part) {
        el.setAttribute(name, part);
        clean.cids.add(value.trim());
      } else if (REMOTE.test(value)) {
        clean.remote = true;
        if (!allowRemote) {
          el.removeAttribute(name);
        }
      } else if (!/^\s*data:image\/(png|gif|jpeg|webp);/i.test(value)) {
        el.removeAttribute(name);
      }
    } else if (lower === 'style' || lower === 'background') {
      if (lower === 'background' || cssFetches(value)) {
        clean.remote = true;
        el.removeAttribute(name);
      }
    } else if (!ATTRIBUTES.has(lower)) {
      el.removeAttribute(name); // `target` and `rel` among them: set below, after every attribute
    }
  }
  if (link) {
    // A link opens outside the reading pane, never inside the frame, whatever the mail said.
    el.setAttribute('target', '_blank');
    el.setAttribute('rel', 'noopener noreferrer');
  }
}
