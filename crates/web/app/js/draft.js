// What a message being written holds, and how a reply, a reply to all and a forward start
// (RFC 5322 §3.6.4 for In-Reply-To and References) — the original quoted as text and, when it
// has HTML (already cleaned by the caller), as HTML too —, the signature above the quote (RFC
// 3676 §4.3's `-- ` line); addresses as the user types them. No DOM.

import { strings, locale } from './strings.js';
import { escapeHtml, textToHtml } from './richtext.js';

const t = strings.compose;
/** The most recipients one field takes (the server bounds a message's too). */
export const MAX_RECIPIENTS = 100;
/** The longest field or body kept (characters). */
export const MAX_TEXT = 1024 * 1024;

/**
 * @typedef {{ name: string | null, email: string }} Address
 * @typedef {import('./files.js').Part} Part
 * @typedef {{ id: string, from?: Address[] | null, to?: Address[] | null, cc?: Address[] | null,
 *   bcc?: Address[] | null, replyTo?: Address[] | null, subject?: string | null, sentAt?: string | null,
 *   receivedAt: string, messageId?: string[] | null, inReplyTo?: string[] | null,
 *   references?: string[] | null, attachments?: Part[] | null }} Original
 * @typedef {{ to: string, cc: string, bcc: string, subject: string, body: string,
 *   html: string | null, inReplyTo: string[] | null, references: string[] | null,
 *   answering: string | null, attachments: Part[], sign: boolean }} Draft `body` the text, `html`
 *   the rich form when there is one (clean HTML: richtext.js), `sign` whether the signature is
 *   still to be added (a new message, a reply, a forward; not a draft resumed)
 */

/** @returns {Draft} */
export function blank() {
  return { to: '', cc: '', bcc: '', subject: '', body: '', html: null, inReplyTo: null, references: null,
    answering: null, attachments: [], sign: true };
}

/**
 * The text with the signature above it (after two empty lines to write in), under the `-- `
 * line (RFC 3676 §4.3); the text as it is when there is no signature.
 * @param {string} text
 * @param {string | null | undefined} signature
 */
export function signedText(text, signature) {
  const sig = (signature ?? '').replace(/\r\n?/g, '\n').replace(/^-- ?\n/, '').trimEnd();
  return sig ? `\n\n-- \n${sig}${text}` : text;
}

/**
 * The HTML with the signature (clean HTML) above it, as signedText does for text.
 * @param {string} html
 * @param {string | null | undefined} signature
 */
export function signedHtml(html, signature) {
  const sig = (signature ?? '').trim();
  return sig ? `<div><br></div><div><br></div><div>-- <br>${sig}</div>${html}` : html;
}

/**
 * The original's date as the user's language writes it.
 * @param {Original} original
 */
function dateOf(original) {
  return new Date(original.sentAt ?? original.receivedAt).toLocaleString(locale);
}

/**
 * An address as a person writes it: `Name <a@b>`, `"Name" <a@b>` or `a@b`.
 * @param {Address} a
 */
export function formatAddress(a) {
  if (!a.name) {
    return a.email;
  }
  const name = /[",;<>@]/.test(a.name) ? `"${a.name.replace(/["\\]/g, '')}"` : a.name;
  return `${name} <${a.email}>`;
}

/** @param {Address[] | null | undefined} list */
export function formatAddresses(list) {
  return (list ?? []).map(formatAddress).join(', ');
}

const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$|^[^\s@<>",;]+@localhost$/;

/**
 * The addresses of a field as typed, separated by commas or semicolons (not inside quotes).
 * @param {string} text
 * @returns {{ list: Address[], bad: string[] }}
 */
export function parseAddresses(text) {
  /** @type {string[]} */
  const parts = [];
  let current = '';
  let quoted = false;
  for (const c of text.slice(0, MAX_TEXT)) {
    if (c === '"') {
      quoted = !quoted;
    }
    if (!quoted && (c === ',' || c === ';')) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  /** @type {Address[]} */
  const list = [];
  /** @type {string[]} */
  const bad = [];
  for (const raw of parts.map((p) => p.trim()).filter((p) => p)) {
    const angle = /^(.*)<([^<>]*)>$/.exec(raw);
    const email = (angle ? angle[2] : raw).trim();
    const name = angle ? angle[1].trim().replace(/^"(.*)"$/, '$1').trim() : '';
    if (EMAIL.test(email)) {
      list.push({ name: name || null, email });
    } else {
      bad.push(raw);
    }
  }
  if (list.length > MAX_RECIPIENTS) {
    bad.push(t.tooMany(MAX_RECIPIENTS));
  }
  return { list, bad };
}

/**
 * The subject with one `prefix` (`Re:`, `Fwd:`) before it, not a second one.
 * @param {string} prefix
 * @param {string | null | undefined} subject
 */
export function prefixed(prefix, subject) {
  const s = (subject ?? '').trim();
  return s.toLowerCase().startsWith(prefix.toLowerCase()) ? s : `${prefix} ${s}`.trim();
}

/**
 * The original's text, each line quoted with `> `, under who wrote it and when.
 * @param {Original} original
 * @param {string} text
 */
function quoted(original, text) {
  const who = original.from?.[0] ? formatAddress(original.from[0]) : '';
  const date = dateOf(original);
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n').map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`));
  return `\n\n${t.wrote(date, who)}\n${lines.join('\n')}\n`;
}

/**
 * The original's HTML quoted under who wrote it and when.
 * @param {Original} original
 * @param {string} html clean HTML
 */
function quotedHtml(original, html) {
  const who = original.from?.[0] ? formatAddress(original.from[0]) : '';
  return `<div><br></div><div><br></div><div>${escapeHtml(t.wrote(dateOf(original), who))}</div>`
    + `<blockquote type="cite">${html}</blockquote>`;
}

/**
 * @param {Address[]} list
 * @param {Set<string>} skip lower-case addresses left out (and added to)
 */
function unique(list, skip) {
  return list.filter((a) => {
    const key = a.email.toLowerCase();
    if (skip.has(key)) {
      return false;
    }
    skip.add(key);
    return true;
  });
}

/**
 * A reply (to the sender, or with `all` to everyone the original names but the user).
 * @param {Original} original
 * @param {string} text the original's body as text
 * @param {boolean} all
 * @param {string} me the user's address
 * @param {string | null} [html] the original's HTML, cleaned, when it has HTML
 * @returns {Draft}
 */
export function reply(original, text, all, me, html = null) {
  const skip = new Set([me.toLowerCase()]);
  const sender = original.replyTo?.length ? original.replyTo : (original.from ?? []);
  let to = unique(sender, skip);
  /** @type {Address[]} */
  let cc = [];
  if (all) {
    to = to.concat(unique(original.to ?? [], skip));
    cc = unique(original.cc ?? [], skip);
  }
  if (to.length === 0) {
    // Replying to one's own message: to whom it went.
    to = (original.to ?? []).slice();
  }
  const ids = original.messageId ?? [];
  return {
    ...blank(),
    to: formatAddresses(to),
    cc: formatAddresses(cc),
    subject: prefixed('Re:', original.subject),
    body: quoted(original, text),
    html: html === null ? null : quotedHtml(original, html),
    inReplyTo: ids.length ? ids : null,
    references: ids.length ? (original.references ?? []).concat(ids) : null,
    answering: original.id,
  };
}

/**
 * A draft saved earlier, to go on with.
 * @param {Original} saved
 * @param {string} text
 * @param {string | null} [html] its HTML, cleaned, when it has HTML
 * @returns {Draft}
 */
export function resume(saved, text, html = null) {
  return {
    to: formatAddresses(saved.to),
    cc: formatAddresses(saved.cc),
    bcc: formatAddresses(saved.bcc),
    subject: saved.subject ?? '',
    body: text,
    html,
    inReplyTo: saved.inReplyTo?.length ? saved.inReplyTo : null,
    references: saved.inReplyTo?.length ? (saved.references ?? null) : null,
    answering: null,
    attachments: saved.attachments ?? [],
    sign: false,
  };
}

/**
 * A forward: the original's headers and text under the user's own words, and its attachments.
 * @param {Original} original
 * @param {string} text
 * @param {string | null} [html] the original's HTML, cleaned, when it has HTML
 * @returns {Draft}
 */
export function forward(original, text, html = null) {
  const date = dateOf(original);
  const head = [
    t.forwarded,
    `${strings.mail.from}: ${formatAddresses(original.from)}`,
    `${strings.mail.date}: ${date}`,
    `${t.subject}: ${original.subject ?? ''}`,
    `${strings.mail.to}: ${formatAddresses(original.to)}`,
  ];
  if (original.cc?.length) {
    head.push(`${t.cc}: ${formatAddresses(original.cc)}`);
  }
  return {
    ...blank(),
    subject: prefixed('Fwd:', original.subject),
    body: `\n\n${head.join('\n')}\n\n${text}`,
    html: html === null ? null : `<div><br></div><div><br></div>${textToHtml(head.join('\n'))}<div><br></div>${html}`,
    attachments: original.attachments ?? [],
  };
}
