// The "Sending… Undo" bar of a held message (undo.js has its states): a countdown while the
// server holds it, and Undo, which cancels the submission (EmailSubmission/set undoStatus
// canceled, RFC 8621 §7.5) and only then puts the message back in Drafts as a draft, for the
// compose form to open again. Once the time is up the bar says so and goes.

import { h } from './dom.js';
import { strings } from './strings.js';
import { Hold } from './undo.js';

const t = strings.undo;
/** How long the bar stays once there is nothing more to do. */
const LINGER_MS = 4000;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ submissionId: string, emailId: string, drafts: string | null, sent: string | null,
 *   seconds: number }} Held the submission, the message it sends, where it goes back to
 */

/**
 * Takes a held message back: the submission cancelled, then the message moved back to Drafts
 * as a draft. `late` when the server had released it already.
 * @param {Jmap} jmap
 * @param {Held} held
 * @returns {Promise<'cancelled' | 'late'>}
 */
export async function takeBack(jmap, held) {
  const r = await jmap.call([['EmailSubmission/set', { accountId: jmap.accountId,
    update: { [held.submissionId]: { undoStatus: 'canceled' } } }, 'c']]);
  const refused = r.c.notUpdated?.[held.submissionId];
  if (refused) {
    if (refused.type === 'cannotUnsend') {
      return 'late';
    }
    throw new Error(String(refused.description ?? refused.type));
  }
  /** @type {Record<string, unknown>} */
  const back = { 'keywords/$draft': true };
  if (held.drafts && held.sent) {
    back[`mailboxIds/${held.sent}`] = null;
    back[`mailboxIds/${held.drafts}`] = true;
  }
  await jmap.call([['Email/set', { accountId: jmap.accountId, update: { [held.emailId]: back } }, 'm']]);
  return 'cancelled';
}

/**
 * The bar of one held message; `onUndone` is called once it is back in Drafts.
 * @param {Jmap} jmap
 * @param {Held} held
 * @param {() => void} onUndone
 * @returns {HTMLElement}
 */
export function sendBar(jmap, held, onUndone) {
  const hold = new Hold(held.seconds, Date.now());
  const said = h('span', { class: 'said' });
  const undo = h('button', { type: 'button', class: 'undo' }, [t.undo]);
  const problem = h('span', { class: 'error', role: 'alert' });
  const bar = h('div', { class: 'send-bar', role: 'status' }, [said, undo, problem]);
  const end = (/** @type {string} */ text) => {
    clearInterval(timer);
    said.textContent = text;
    undo.remove();
    setTimeout(() => bar.remove(), LINGER_MS);
  };
  const draw = () => {
    const state = hold.tick(Date.now());
    if (state === 'holding') {
      said.textContent = t.sending(hold.remaining(Date.now()));
    } else if (state === 'sent') {
      end(t.sent);
    }
  };
  undo.addEventListener('click', () => {
    if (!hold.undo(Date.now())) {
      return;
    }
    undo.disabled = true;
    problem.textContent = '';
    said.textContent = t.undoing;
    takeBack(jmap, held).then((answer) => {
      hold.answered(answer, Date.now());
      if (answer === 'late') {
        end(t.tooLate);
      } else {
        end(t.undone);
        onUndone();
      }
    }, (e) => {
      hold.answered('failed', Date.now());
      undo.disabled = false;
      problem.textContent = `${t.failed} ${e instanceof Error ? e.message : String(e)}`;
      draw();
    });
  });
  const timer = setInterval(() => { if (hold.state !== 'undoing') { draw(); } }, 250);
  draw();
  return bar;
}
