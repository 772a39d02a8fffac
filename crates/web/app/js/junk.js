// Junk and not junk: a message reported as junk goes to the Junk folder with the `$junk`
// keyword (and loses `$notjunk`); one reported as not junk goes back to the Inbox with
// `$notjunk` (RFC 8621 §4.1.1 keywords; IMAP's `$Junk` and `$NotJunk`, which filters learn
// from). Pure but for `reportJunk`, which asks the mail view to write.

import { chunks } from './batches.js';

/** @typedef {{ id: string, role: string | null }} Folder */

/**
 * Where a report sends the message: the Junk folder, or the Inbox; null without one.
 * @param {Folder[]} mailboxes
 * @param {boolean} junk
 */
export function junkTarget(mailboxes, junk) {
  return mailboxes.find((m) => m.role === (junk ? 'junk' : 'inbox'))?.id ?? null;
}

/**
 * The Email/set patch of a report: the message in `target` alone, and its keywords.
 * @param {string} target
 * @param {boolean} junk
 */
export function junkPatch(target, junk) {
  return {
    mailboxIds: { [target]: true },
    'keywords/$junk': junk ? true : null,
    'keywords/$notjunk': junk ? null : true,
  };
}

/**
 * Whether a report from here says "not junk": the message is in the Junk folder.
 * @param {Folder[]} mailboxes
 * @param {Record<string, boolean>} mailboxIds
 */
export function isInJunk(mailboxes, mailboxIds) {
  const junk = junkTarget(mailboxes, true);
  return junk !== null && Boolean(mailboxIds[junk]);
}

/**
 * Reports `ids` as junk (or not junk) in the mail view: each moved by one patch, a request per
 * batch, then the list read again and the user told.
 * @param {{ mailboxes: (Folder & { name: string })[], setEmails: (args: Record<string, unknown>) => Promise<unknown>,
 *   left: (ids: string[], text: string) => Promise<void> }} view
 * @param {string[]} ids
 * @param {boolean} junk
 * @param {{ junked: (n: number) => string, notJunked: (n: number) => string }} said
 */
export async function reportJunk(view, ids, junk, said) {
  const target = junkTarget(view.mailboxes, junk);
  if (!target || ids.length === 0) {
    return;
  }
  const patch = junkPatch(target, junk);
  for (const part of chunks(ids)) {
    await view.setEmails({ update: Object.fromEntries(part.map((id) => [id, patch])) });
  }
  await view.left(ids, junk ? said.junked(ids.length) : said.notJunked(ids.length));
}
