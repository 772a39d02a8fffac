// The conversation of an open message (its thread, RFC 8621 §3): the thread's messages, oldest
// first, above the message in the reading pane, each one opening in its place. One request:
// Thread/get, and Email/get of its messages by result reference.

import { h } from './dom.js';
import { strings, locale } from './strings.js';

/** Most messages of a thread listed (the newest of them). */
const MOST = 200;
const PROPERTIES = ['id', 'from', 'subject', 'receivedAt', 'preview', 'keywords'];

/**
 * The list of the conversation `threadId` with `shownId` marked, or null for a thread of one.
 * @param {import('./api.js').Jmap} jmap
 * @param {string} threadId
 * @param {string} shownId
 * @param {(id: string) => void} open
 */
export async function conversation(jmap, threadId, shownId, open) {
  const r = await jmap.call([
    ['Thread/get', { accountId: jmap.accountId, ids: [threadId] }, 't'],
    ['Email/get', { accountId: jmap.accountId, properties: PROPERTIES,
      '#ids': { resultOf: 't', name: 'Thread/get', path: '/list/*/emailIds' } }, 'g'],
  ]);
  /** @type {string[]} */
  const order = r.t.list[0]?.emailIds ?? [];
  if (order.length < 2) {
    return null;
  }
  /** @type {Map<string, import('./mail.js').Email>} */
  const byId = new Map(r.g.list.map((/** @type {import('./mail.js').Email} */ e) => [e.id, e]));
  const s = strings.list;
  const items = order.slice(-MOST).flatMap((id) => {
    const e = byId.get(id);
    if (!e) {
      return [];
    }
    const who = (e.from ?? []).map((a) => a.name || a.email).join(', ');
    return [h('li', {}, [h('button', { type: 'button', class: e.keywords.$seen ? 'in-thread' : 'in-thread unread',
      'aria-current': id === shownId ? 'true' : null, onclick: () => open(id) }, [
      h('span', { class: 'from' }, [who]),
      h('time', { datetime: e.receivedAt }, [new Date(e.receivedAt).toLocaleString(locale)]),
      h('span', { class: 'preview' }, [e.preview ?? '']),
    ])])];
  });
  return h('nav', { class: 'conversation', 'aria-label': s.conversation(order.length) }, [
    h('h3', {}, [s.conversation(order.length)]),
    h('ol', {}, items),
  ]);
}
