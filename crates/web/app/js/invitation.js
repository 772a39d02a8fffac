// Answering an invitation: accept, tentative or decline sets the user's own participant's
// participationStatus in their copy of the event (CalendarEvent/set with
// sendSchedulingMessages, draft-ietf-jmap-calendars; the server records the answer in the
// organizer's copy or sends an iTIP REPLY, RFC 5546 §3.2.3), from the event form or from the
// invitation mail in the reading pane: a message whose text/calendar part (RFC 6047) is a
// REQUEST shows the meeting's title and time and the three answers, and answers the copy in the
// user's calendar found by the event's UID.

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { CALENDARS } from './api.js';
import { participantId, answerText } from './meeting.js';

const t = strings.invitation;
/** The largest calendar part read (an invitation is a few KiB). */
const MAX_CALENDAR_BYTES = 256 * 1024;
/** The answers offered, as JSCalendar participationStatus values. */
export const ANSWERS = /** @type {const} */ (['accepted', 'tentative', 'declined']);

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, uid?: string, title: string, utcStart: string, utcEnd: string, isOrigin?: boolean,
 *   participants?: Record<string, import('./meeting.js').Participant> | null }} Meeting
 */

/**
 * The iTIP method, UID and summary of an iCalendar text (RFC 5545 §3.1: lines unfolded; the
 * first VEVENT's), or null when it has no UID.
 * @param {string} text
 * @returns {{ method: string, uid: string, summary: string } | null}
 */
export function parseInvitation(text) {
  const lines = text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let method = '';
  let uid = '';
  let summary = '';
  let inEvent = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) {
      continue;
    }
    const name = line.slice(0, colon).split(';')[0].toUpperCase();
    const value = line.slice(colon + 1);
    if (name === 'BEGIN' && value.toUpperCase() === 'VEVENT') {
      inEvent = !uid;
    } else if (name === 'END' && value.toUpperCase() === 'VEVENT') {
      inEvent = false;
    } else if (name === 'METHOD' && !method) {
      method = value.trim().toUpperCase();
    } else if (inEvent && name === 'UID') {
      uid = value.trim();
    } else if (inEvent && name === 'SUMMARY') {
      // RFC 5545 §3.3.11: TEXT escapes.
      summary = value.replace(/\\([\\;,])/g, '$1').replace(/\\[nN]/g, ' ');
    }
  }
  return uid ? { method, uid, summary } : null;
}

/**
 * The user's answer in the event, if the user is among its participants.
 * @param {Meeting} event
 * @param {string} email
 */
export function myAnswer(event, email) {
  const id = participantId(event.participants, email);
  return id ? event.participants?.[id]?.participationStatus ?? 'needs-action' : null;
}

/**
 * The three answers for the user's participant in `event` (in the calendars account); after
 * an answer is saved, `onAnswered` gets it.
 * @param {Jmap} jmap
 * @param {Meeting} event
 * @param {string} email the user's calendar address
 * @param {(status: string) => void} [onAnswered]
 */
export function answerButtons(jmap, event, email, onAnswered) {
  const pid = participantId(event.participants, email);
  if (!pid) {
    return null;
  }
  const said = h('p', { class: 'rsvp-status', role: 'status' }, [t.yourAnswer(answerText(myAnswer(event, email) ?? undefined))]);
  /** @param {string} status */
  const answer = async (status) => {
    const r = await jmap.call([['CalendarEvent/set', { accountId: jmap.accounts[CALENDARS], sendSchedulingMessages: true,
      update: { [event.id]: { [`participants/${pid}/participationStatus`]: status } } }, 's']]);
    const refused = r.s.notUpdated?.[event.id];
    if (refused) {
      throw new Error(refused.description ?? refused.type);
    }
    const me = event.participants?.[pid];
    if (me) {
      me.participationStatus = status;
    }
    buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.answer === status)));
    said.textContent = t.yourAnswer(answerText(status));
    onAnswered?.(status);
  };
  const current = myAnswer(event, email);
  const buttons = ANSWERS.map((status) => h('button', { type: 'button', class: `rsvp-${status}`, 'data-answer': status,
    'aria-pressed': String(current === status),
    onclick: () => {
      answer(status).catch((x) => { said.textContent = `${t.failed} ${x instanceof Error ? x.message : String(x)}`; });
    } }, [t.buttons[status]]));
  return h('div', { class: 'rsvp' }, [h('div', { class: 'actions', role: 'group', 'aria-label': t.answer }, buttons), said]);
}

/** @param {Meeting} e */
function timeOf(e) {
  const from = new Date(e.utcStart);
  const to = new Date(e.utcEnd);
  const day = { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' };
  const hm = { hour: '2-digit', minute: '2-digit' };
  return `${from.toLocaleDateString(locale, /** @type {Intl.DateTimeFormatOptions} */ (day))}, `
    + `${from.toLocaleTimeString(locale, /** @type {Intl.DateTimeFormatOptions} */ (hm))}–`
    + `${to.toLocaleTimeString(locale, /** @type {Intl.DateTimeFormatOptions} */ (hm))}`;
}

/**
 * The text/calendar part of a message (Email/get attachments), read from its blob.
 * @param {Jmap} jmap
 * @param {string} emailId
 */
async function calendarPart(jmap, emailId) {
  const r = await jmap.call([['Email/get', { accountId: jmap.accountId, ids: [emailId], properties: ['attachments'],
    bodyProperties: ['partId', 'blobId', 'type', 'size'] }, 'g']]);
  /** @type {Array<{ blobId: string, type: string, size: number }>} */
  const parts = r.g.list[0]?.attachments ?? [];
  const part = parts.find((p) => p.type === 'text/calendar' && p.size <= MAX_CALENDAR_BYTES);
  if (!part) {
    return null;
  }
  const url = jmap.downloadUrl(part.blobId, 'invite.ics', 'text/plain');
  const got = await fetch(url, { credentials: 'same-origin' });
  return got.ok ? got.text() : null;
}

/**
 * Fills `slot` with the invitation a message carries, if it carries one (an iTIP REQUEST):
 * the meeting as the user's calendar has it, and the three answers.
 * @param {Jmap} jmap
 * @param {string} emailId
 * @param {HTMLElement} slot
 */
export async function showInvitation(jmap, emailId, slot) {
  const account = jmap.accounts[CALENDARS];
  const text = account ? await calendarPart(jmap, emailId) : null;
  const itip = text ? parseInvitation(text) : null;
  if (!itip || itip.method !== 'REQUEST') {
    return;
  }
  const r = await jmap.call([
    ['CalendarEvent/query', { accountId: account, filter: { uid: itip.uid }, limit: 1 }, 'q'],
    ['CalendarEvent/get', { accountId: account, properties: ['id', 'uid', 'title', 'utcStart', 'utcEnd', 'isOrigin', 'participants'],
      '#ids': { resultOf: 'q', name: 'CalendarEvent/query', path: '/ids' } }, 'g'],
    ['ParticipantIdentity/get', { accountId: account }, 'pi'],
  ]);
  /** @type {Meeting | undefined} */
  const event = r.g.list[0];
  /** @type {Array<{ calendarAddress?: string, isDefault?: boolean }>} */
  const identities = r.pi.list ?? [];
  const email = (identities.find((i) => i.isDefault) ?? identities[0])?.calendarAddress?.replace(/^mailto:/i, '') ?? '';
  const buttons = event ? answerButtons(jmap, event, email) : null;
  slot.replaceChildren(h('section', { class: 'invitation', 'aria-label': t.title }, [
    h('h3', {}, [t.title]),
    h('p', { class: 'invitation-title' }, [event?.title || itip.summary || strings.calendar.untitled]),
    event ? h('p', { class: 'invitation-time' }, [timeOf(event)]) : h('p', { class: 'notice' }, [t.notInCalendar]),
    buttons,
  ]));
}
