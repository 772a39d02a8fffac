// Meetings in the event form (draft-ietf-jmap-calendars, RFC 8984 §4.4.6): attendees — people
// and rooms completed from the address list (people.js) or typed as addresses — written as the
// event's `participants` (the organizer: the user's ParticipantIdentity, owner and attendee,
// accepted; each attendee required or optional; a room `kind: location`, equipment `resource`),
// saved with sendSchedulingMessages so the server invites them (rooms answer at once); each
// participant's answer shown; and the scheduling assistant: everyone's busy time over the
// event's day (Principal/getAvailability), the meeting's time marked over it.

import { h } from './dom.js';
import { strings } from './strings.js';
import { PRINCIPALS } from './api.js';
import { parseAddresses } from './draft.js';
import { Directory, attachCompletion } from './people.js';

const t = strings.meeting;
/** The most attendees a meeting takes in the form. */
export const MAX_ATTENDEES = 100;
/** The most rows the availability grid reads (one Principal/getAvailability each). */
const MAX_GRID = 20;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ name: string, email: string, kind: string, optional: boolean, principalId?: string }} Attendee
 * @typedef {{ '@type'?: string, name?: string, calendarAddress?: string, sendTo?: { imip?: string },
 *   kind?: string, roles?: Record<string, boolean>, participationStatus?: string, expectReply?: boolean }} Participant
 * @typedef {{ name: string, email: string }} Identity
 */

/**
 * A participant's address, lower case, without `mailto:`.
 * @param {Participant} p
 */
export function addressOf(p) {
  const uri = p.calendarAddress ?? p.sendTo?.imip ?? '';
  return uri.replace(/^mailto:/i, '').toLowerCase();
}

/**
 * The id of the participant who is `email` (the user answering), or null.
 * @param {Record<string, Participant> | null | undefined} participants
 * @param {string} email
 */
export function participantId(participants, email) {
  const me = email.toLowerCase();
  return Object.entries(participants ?? {}).find(([, p]) => addressOf(p) === me)?.[0] ?? null;
}

/**
 * The event's participants for the attendees chosen, the user (`me`) the organizer: those
 * already there keep their id and answer, new ones need action. Null without attendees.
 * @param {Identity} me
 * @param {Attendee[]} attendees
 * @param {Record<string, Participant> | null | undefined} previous
 * @returns {Record<string, Participant> | null}
 */
export function participantsFor(me, attendees, previous) {
  const others = attendees.filter((a) => a.email.toLowerCase() !== me.email.toLowerCase());
  if (!others.length) {
    return null;
  }
  const old = previous ?? {};
  /** @type {Record<string, Participant>} */
  const out = {};
  const ownerId = participantId(old, me.email) ?? 'owner';
  out[ownerId] = { ...(old[ownerId] ?? {}), '@type': 'Participant', name: me.name || undefined,
    calendarAddress: `mailto:${me.email}`, kind: 'individual', roles: { owner: true, attendee: true },
    participationStatus: 'accepted' };
  let next = 0;
  const fresh = () => {
    do {
      next += 1;
    } while (`attendee${next}` in old || `attendee${next}` in out);
    return `attendee${next}`;
  };
  for (const a of others) {
    const id = participantId(old, a.email) ?? fresh();
    /** @type {Record<string, boolean>} */
    const roles = a.optional ? { attendee: true, optional: true } : { attendee: true };
    const kept = old[id] ?? { participationStatus: 'needs-action', expectReply: true };
    out[id] = { ...kept, '@type': 'Participant', name: a.name || undefined, calendarAddress: `mailto:${a.email}`,
      kind: a.kind, roles };
  }
  return out;
}

/**
 * The attendees of an event (everyone but the organizer) as the form edits them.
 * @param {Record<string, Participant> | null | undefined} participants
 * @returns {Attendee[]}
 */
export function attendeesOf(participants) {
  return Object.values(participants ?? {})
    .filter((p) => !p.roles?.owner && addressOf(p))
    .map((p) => ({ name: p.name ?? '', email: addressOf(p), kind: p.kind ?? 'individual', optional: Boolean(p.roles?.optional) }));
}

/**
 * The busy periods of one row placed on a day from `from` to `to`: left and width in percent.
 * @param {Array<{ utcStart: string, utcEnd: string, busyStatus?: string }>} busy
 * @param {Date} from
 * @param {Date} to
 */
export function place(busy, from, to) {
  const span = to.getTime() - from.getTime();
  return busy.flatMap((b) => {
    const s = Math.max(new Date(b.utcStart).getTime(), from.getTime());
    const e = Math.min(new Date(b.utcEnd).getTime(), to.getTime());
    return e > s ? [{ left: (s - from.getTime()) / span * 100, width: (e - s) / span * 100,
      tentative: b.busyStatus === 'tentative' }] : [];
  });
}

/** @param {string} kind */
function kindLabel(kind) {
  return /** @type {Record<string, string>} */ (strings.people.kinds)[kind] ?? '';
}

/** @param {string | undefined} status */
export function answerText(status) {
  return /** @type {Record<string, string>} */ (t.answers)[status ?? 'needs-action'] ?? t.answers['needs-action'];
}

/**
 * Everyone's answer, the organizer first.
 * @param {Record<string, Participant> | null | undefined} participants
 */
export function answers(participants) {
  return Object.values(participants ?? {})
    .sort((a, b) => Number(Boolean(b.roles?.owner)) - Number(Boolean(a.roles?.owner)))
    .map((p) => ({ who: p.name || addressOf(p), email: addressOf(p), kind: p.kind ?? 'individual',
      owner: Boolean(p.roles?.owner), answer: answerText(p.participationStatus) }));
}

/**
 * The list of participants and their answers, for the event form.
 * @param {Record<string, Participant> | null | undefined} participants
 */
export function answerList(participants) {
  const list = answers(participants);
  if (!list.length) {
    return null;
  }
  return h('section', { class: 'answers', 'aria-label': t.answersTitle }, [
    h('h3', {}, [t.answersTitle]),
    h('ul', {}, list.map((a) => h('li', { class: 'answer', 'data-email': a.email }, [
      h('span', { class: 'who' }, [a.who]),
      a.kind === 'location' || a.kind === 'resource' ? h('span', { class: 'person-kind' }, [kindLabel(a.kind)]) : null,
      h('span', { class: 'status' }, [a.owner ? t.organizer : a.answer]),
    ]))),
  ]);
}

/** The attendees part of the event form, and the scheduling assistant under it. */
export class MeetingFields {
  /**
   * @param {Jmap} jmap
   * @param {Identity | null} me the user's participant identity (null: no meetings)
   * @param {Record<string, Participant> | null | undefined} participants the event's, if any
   * @param {() => { from: Date, to: Date } | null} when the meeting's time as the form has it
   */
  constructor(jmap, me, participants, when) {
    this.jmap = jmap;
    this.me = me;
    this.previous = participants ?? null;
    this.when = when;
    /** @type {Attendee[]} */
    this.attendees = attendeesOf(participants);
    this.list = h('ul', { class: 'attendees', 'aria-label': t.attendees });
    this.error = h('p', { class: 'error', role: 'alert' });
    this.grid = h('div', { class: 'availability', role: 'group', 'aria-label': t.availability });
    const input = h('input', { id: 'ev-attendees', type: 'text', maxlength: '500', placeholder: t.placeholder });
    this.input = input;
    input.addEventListener('keydown', (e) => {
      // Enter with no suggestion open: the address typed is added as it is.
      if (e.key === 'Enter' && input.getAttribute('aria-expanded') !== 'true') {
        e.preventDefault();
        this.addTyped();
      }
    });
    const box = h('div', { class: 'field' }, [h('label', { for: 'ev-attendees' }, [t.attendees]), input]);
    attachCompletion(input, new Directory(jmap), { field: (v) => v.trim(),
      kinds: ['individual', 'location', 'resource', 'contact', 'other'],
      onChoose: (p) => this.add({ name: p.name, email: p.email, kind: p.kind === 'contact' || p.kind === 'other' ? 'individual' : p.kind,
        optional: false, principalId: p.principalId }) });
    this.element = me ? h('fieldset', { class: 'meeting' }, [
      h('legend', {}, [t.title]), box, this.list, this.error,
      h('button', { type: 'button', class: 'show-availability', onclick: () => { this.showAvailability().catch((x) => this.failed(x)); } },
        [t.showAvailability]),
      this.grid,
    ]) : null;
    this.draw();
  }

  /** @param {unknown} x */
  failed(x) {
    this.error.textContent = `${t.failed} ${x instanceof Error ? x.message : String(x)}`;
  }

  addTyped() {
    const { list, bad } = parseAddresses(this.input.value);
    if (bad.length) {
      this.error.textContent = strings.compose.badAddresses(bad.join(', '));
      return;
    }
    for (const a of list) {
      this.add({ name: a.name ?? '', email: a.email, kind: 'individual', optional: false });
    }
    this.input.value = '';
  }

  /** @param {Attendee} a */
  add(a) {
    this.error.textContent = '';
    if (this.attendees.some((x) => x.email.toLowerCase() === a.email.toLowerCase())) {
      return;
    }
    if (this.attendees.length >= MAX_ATTENDEES) {
      this.error.textContent = t.tooMany(MAX_ATTENDEES);
      return;
    }
    this.attendees.push(a);
    this.draw();
  }

  draw() {
    this.list.replaceChildren(...this.attendees.map((a, i) => {
      const label = a.name ? `${a.name} <${a.email}>` : a.email;
      const person = a.kind !== 'location' && a.kind !== 'resource';
      const role = h('select', { 'aria-label': t.roleOf(label), onchange: () => { a.optional = role.value === 'optional'; } }, [
        h('option', { value: 'required', selected: !a.optional }, [t.required]),
        h('option', { value: 'optional', selected: a.optional }, [t.optional]),
      ]);
      return h('li', { class: 'attendee', 'data-email': a.email }, [
        h('span', { class: 'who' }, [label]),
        person ? role : h('span', { class: 'person-kind' }, [kindLabel(a.kind)]),
        h('button', { type: 'button', 'aria-label': t.remove(label), onclick: () => {
          this.attendees.splice(i, 1);
          this.draw();
        } }, ['×']),
      ]);
    }));
  }

  /** What to write for the event: its participants (null without attendees), and whether to tell them. */
  value() {
    if (!this.me) {
      return { participants: this.previous, schedule: false };
    }
    const participants = participantsFor(this.me, this.attendees, this.previous);
    return { participants, organizer: participants ? `mailto:${this.me.email}` : null,
      schedule: Boolean(participants || this.previous) };
  }

  /** The busy time of the organizer and each attendee over the meeting's day. */
  async showAvailability() {
    const range = this.when();
    const account = this.jmap.accounts[PRINCIPALS];
    if (!range || !account || !this.me) {
      return;
    }
    const from = new Date(range.from);
    from.setHours(0, 0, 0, 0);
    const to = new Date(from);
    to.setDate(to.getDate() + 1);
    const rows = [{ name: this.me.name || this.me.email, email: this.me.email, principalId: undefined },
      ...this.attendees].slice(0, MAX_GRID);
    const emails = rows.filter((r) => !r.principalId).map((r) => r.email);
    const found = emails.length ? await this.jmap.call(emails.map((email, i) => /** @type {import('./api.js').Invocation} */ (
      ['Principal/query', { accountId: account, filter: { email }, limit: 1 }, `q${i}`]))) : {};
    /** @type {Record<string, string>} */
    const ids = {};
    emails.forEach((email, i) => { const id = found[`q${i}`]?.ids?.[0]; if (id) { ids[email] = id; } });
    const known = rows.map((r) => r.principalId ?? ids[r.email]);
    const calls = /** @type {import('./api.js').Invocation[]} */ (known.flatMap((id, i) => (id ? [['Principal/getAvailability',
      { accountId: account, id, utcStart: from.toISOString().replace(/\.\d+Z$/, 'Z'),
        utcEnd: to.toISOString().replace(/\.\d+Z$/, 'Z') }, `a${i}`]] : [])));
    const busy = calls.length ? await this.jmap.call(calls) : {};
    const hours = h('div', { class: 'av-row av-hours', 'aria-hidden': 'true' }, [h('span', { class: 'av-name' }),
      h('span', { class: 'av-track' }, [0, 6, 12, 18].map((x) => {
        const mark = h('span', { class: 'av-hour' }, [`${String(x).padStart(2, '0')}:00`]);
        mark.style.left = `${x / 24 * 100}%`;
        return mark;
      }))]);
    const meetingBand = () => {
      const [m] = place([{ utcStart: range.from.toISOString(), utcEnd: range.to.toISOString() }], from, to);
      const band = h('span', { class: 'av-meeting' });
      if (m) {
        band.style.left = `${m.left}%`;
        band.style.width = `${m.width}%`;
      }
      return band;
    };
    this.grid.replaceChildren(hours, ...rows.map((r, i) => {
      const answer = busy[`a${i}`];
      const blocks = answer ? place(answer.list ?? [], from, to) : [];
      const track = h('span', { class: `av-track${answer ? '' : ' unknown'}` }, [meetingBand(), ...blocks.map((b) => {
        const block = h('span', { class: `av-busy${b.tentative ? ' tentative' : ''}` });
        block.style.left = `${b.left}%`;
        block.style.width = `${b.width}%`;
        return block;
      })]);
      const state = answer ? (blocks.length ? t.busyCount(blocks.length) : t.free) : t.unknown;
      return h('div', { class: 'av-row', 'data-email': r.email, role: 'img', 'aria-label': `${r.name || r.email}: ${state}` },
        [h('span', { class: 'av-name' }, [r.name || r.email]), track]);
    }));
  }
}
