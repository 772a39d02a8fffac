// A message's body in the reading pane: its HTML sanitised (sanitize.js) and shown in the
// message frame — inline `cid:` images from the message's own parts — or its plain text; the
// quoted text of either folded behind a button (quotes.js); its attachments listed with their
// downloads (attachments.js), the inline images the HTML shows left out of the list.

import { h } from './dom.js';
import { strings } from './strings.js';
import { sanitize } from './sanitize.js';
import { attachmentList } from './attachments.js';
import { contentId, inlineImages } from './files.js';
import { foldQuotes, HTML_QUOTES } from './quotes.js';
import { cleanHtml } from './richtext.js';

const t = strings.mail;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {import('./files.js').Part} Part
 * @typedef {{ partId: string, type: string }} BodyPart
 * @typedef {{ textBody?: BodyPart[], htmlBody?: BodyPart[], attachments?: Part[] | null,
 *   bodyValues?: Record<string, { value: string }> }} Shown
 * @typedef {{ fold: (shown: boolean) => void }} Folding
 */

/**
 * The nodes that show a message's body: a notice about blocked remote images (with the
 * button that allows them), the body, a button that shows the quoted text, the attachments.
 * @param {Jmap} jmap
 * @param {Shown} email
 * @param {boolean} allowRemote
 * @param {() => void} showRemote asked when the user allows remote images
 * @returns {Node[]}
 */
export function messageBody(jmap, email, allowRemote, showRemote) {
  const html = (email.htmlBody ?? []).find((p) => p.type === 'text/html');
  const values = email.bodyValues ?? {};
  const toggle = h('button', { type: 'button', class: 'show-quoted', 'aria-expanded': 'false', hidden: true },
    [t.showQuoted]);
  /** @type {Folding} */
  let folding;
  /** @type {Node[]} */
  const nodes = [];
  let inline = new Set();
  if (html && values[html.partId]) {
    const images = inlineImages(email.attachments);
    const clean = sanitize(values[html.partId].value, allowRemote, (cid) => {
      const part = images.get(contentId(cid));
      return part ? jmap.downloadUrl(part.blobId, part.name || 'image', part.type) : null;
    });
    inline = new Set([...clean.cids].map((c) => images.get(contentId(c))));
    if (clean.remote && !allowRemote) {
      nodes.push(h('p', { class: 'notice', role: 'note' }, [t.remoteBlocked, ' ',
        h('button', { type: 'button', class: 'show-remote', onclick: showRemote }, [t.showRemote])]));
    }
    const shown = frame(clean, allowRemote, (found) => { toggle.hidden = !found; });
    folding = shown.folding;
    nodes.push(shown.iframe);
  } else {
    const text = (email.textBody ?? []).map((p) => values[p.partId]?.value ?? '').join('\n');
    const segments = foldQuotes(text);
    const quotes = segments.filter((s) => s.quoted).map((s) => h('span', { class: 'quoted', hidden: true }, [s.text]));
    let q = 0;
    nodes.push(h('pre', { class: 'text-body' }, segments.map((s) => (s.quoted ? quotes[q++] : s.text))));
    toggle.hidden = quotes.length === 0;
    folding = { fold: (on) => { for (const el of quotes) { el.hidden = !on; } } };
  }
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    folding.fold(open);
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? t.hideQuoted : t.showQuoted;
  });
  nodes.push(toggle);
  const list = attachmentList(jmap, (email.attachments ?? []).filter((p) => !inline.has(p)));
  if (list) {
    nodes.push(list);
  }
  return nodes;
}

/**
 * A message's text for a reply or a forward: its text parts, or the text of its HTML.
 * @param {Shown} email
 */
export function bodyText(email) {
  const values = email.bodyValues ?? {};
  return (email.textBody ?? []).map((p) => {
    const value = values[p.partId]?.value ?? '';
    return p.type === 'text/html' ? new DOMParser().parseFromString(value, 'text/html').body.textContent ?? '' : value;
  }).join('\n');
}

/**
 * A message's HTML for a reply's or a forward's quote, or null when it has none: sanitised as
 * for showing it (remote images and unknown `cid:` parts dropped) and cleaned for the editor.
 * @param {Shown} email
 * @returns {string | null}
 */
export function bodyHtml(email) {
  const html = (email.htmlBody ?? []).find((p) => p.type === 'text/html');
  const value = html ? email.bodyValues?.[html.partId]?.value : undefined;
  if (value === undefined) {
    return null;
  }
  const clean = sanitize(value, false);
  return cleanHtml(/** @type {any} */ ({ nodeType: 11, childNodes: clean.nodes }));
}

/**
 * The outermost quotes of a message's HTML, when something outside them has text.
 * @param {HTMLElement} body
 * @returns {HTMLElement[]}
 */
function quotesOf(body) {
  const all = /** @type {HTMLElement[]} */ ([...body.querySelectorAll(HTML_QUOTES)]);
  const outer = all.filter((el) => !el.parentElement?.closest(HTML_QUOTES));
  const quotedText = outer.reduce((n, el) => n + (el.textContent ?? '').trim().length, 0);
  return (body.textContent ?? '').trim().length > quotedText ? outer : [];
}

/**
 * The sandboxed frame a message's HTML is shown in: no scripts (sandbox and the frame's own
 * policy), same-origin only so that this page can fill it; light in either theme. Its quotes start folded (hidden
 * with an important inline style, which the message's own style sheets cannot undo).
 * @param {import('./sanitize.js').Clean} clean
 * @param {boolean} allowRemote
 * @param {(found: boolean) => void} onQuotes told whether the message has quotes to fold
 * @returns {{ iframe: HTMLIFrameElement, folding: Folding }}
 */
function frame(clean, allowRemote, onQuotes) {
  const iframe = h('iframe', { class: 'html-body', title: t.reading,
    sandbox: 'allow-same-origin allow-popups allow-popups-to-escape-sandbox',
    src: allowRemote ? '/web/frame?remote=1' : '/web/frame' });
  /** @type {HTMLElement[]} */
  let quotes = [];
  const fit = () => {
    const doc = iframe.contentDocument;
    if (doc) {
      // Measured with no height first, so that folding the quotes again shrinks the frame.
      iframe.style.height = '0';
      iframe.style.height = `${Math.max(200, doc.documentElement.scrollHeight + 20)}px`;
    }
  };
  /** @type {Folding} */
  const folding = { fold: (on) => {
    for (const el of quotes) {
      if (on) {
        el.style.removeProperty('display');
      } else {
        el.style.setProperty('display', 'none', 'important');
      }
    }
    fit();
  } };
  iframe.addEventListener('load', () => {
    const doc = iframe.contentDocument;
    if (!doc) {
      return;
    }
    // Light whatever the page's theme (a white canvas, black text): mail's HTML is designed on
    // white. An inline style, so that it adds nothing to the frame's head.
    doc.documentElement.style.colorScheme = 'light';
    for (const css of clean.styles) {
      const style = doc.createElement('style');
      style.textContent = css;
      doc.head.append(style);
    }
    doc.body.replaceChildren(...clean.nodes.map((n) => doc.importNode(n, true)));
    quotes = quotesOf(doc.body);
    folding.fold(false);
    onQuotes(quotes.length > 0);
    // Images allowed to load change the height as they come.
    for (const img of doc.images) {
      img.addEventListener('load', fit, { once: true });
    }
  }, { once: true });
  return { iframe, folding };
}
