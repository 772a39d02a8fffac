// Meetings' and invitations' pure helpers as tables (node:test): participants written for the
// attendees chosen (answers kept), the attendees read back, busy time placed on the day, the
// answers listed, and an invitation's method, UID and summary read from its iCalendar text.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { participantsFor, attendeesOf, participantId, place, answers } from '../app/js/meeting.js';
import { parseInvitation, myAnswer } from '../app/js/invitation.js';

const ME = { name: 'Ann Example', email: 'ann@example.test' };

test('participants: the organizer owns and accepts, attendees need action, rooms are locations', () => {
  assert.equal(participantsFor(ME, [], null), null);
  assert.equal(participantsFor(ME, [{ name: '', email: 'ANN@example.test', kind: 'individual', optional: false }], null), null);
  const p = participantsFor(ME, [
    { name: 'Bob Example', email: 'bob@example.test', kind: 'individual', optional: false },
    { name: '', email: 'carol@example.test', kind: 'individual', optional: true },
    { name: 'Board', email: 'board@example.test', kind: 'location', optional: false },
  ], null);
  assert.deepEqual(p, {
    owner: { '@type': 'Participant', name: 'Ann Example', calendarAddress: 'mailto:ann@example.test', kind: 'individual',
      roles: { owner: true, attendee: true }, participationStatus: 'accepted' },
    attendee1: { '@type': 'Participant', name: 'Bob Example', calendarAddress: 'mailto:bob@example.test', kind: 'individual',
      roles: { attendee: true }, participationStatus: 'needs-action', expectReply: true },
    attendee2: { '@type': 'Participant', name: undefined, calendarAddress: 'mailto:carol@example.test', kind: 'individual',
      roles: { attendee: true, optional: true }, participationStatus: 'needs-action', expectReply: true },
    attendee3: { '@type': 'Participant', name: 'Board', calendarAddress: 'mailto:board@example.test', kind: 'location',
      roles: { attendee: true }, participationStatus: 'needs-action', expectReply: true },
  });
});

test('an edit keeps the participants already there, with their ids and answers', () => {
  const previous = {
    x: { calendarAddress: 'mailto:ann@example.test', roles: { owner: true, attendee: true }, participationStatus: 'accepted' },
    attendee1: { calendarAddress: 'mailto:BOB@example.test', name: 'Bob', roles: { attendee: true }, participationStatus: 'accepted' },
    y: { calendarAddress: 'mailto:gone@example.test', roles: { attendee: true }, participationStatus: 'declined' },
  };
  const attendees = attendeesOf(previous);
  assert.deepEqual(attendees, [
    { name: 'Bob', email: 'bob@example.test', kind: 'individual', optional: false },
    { name: '', email: 'gone@example.test', kind: 'individual', optional: false },
  ]);
  const p = participantsFor(ME, [attendees[0], { name: '', email: 'new@example.test', kind: 'individual', optional: false }], previous);
  assert.deepEqual(Object.keys(p ?? {}), ['x', 'attendee1', 'attendee2']);
  assert.equal(p?.attendee1.participationStatus, 'accepted');
  assert.equal(p?.attendee2.participationStatus, 'needs-action');
  assert.equal(participantId(p, 'NEW@example.test'), 'attendee2');
  assert.equal(participantId(p, 'nobody@example.test'), null);
});

test('busy time placed on the day, cut at its edges', () => {
  const from = new Date('2026-12-07T00:00:00Z');
  const to = new Date('2026-12-08T00:00:00Z');
  assert.deepEqual(place([
    { utcStart: '2026-12-07T06:00:00Z', utcEnd: '2026-12-07T12:00:00Z', busyStatus: 'confirmed' },
    { utcStart: '2026-12-06T22:00:00Z', utcEnd: '2026-12-07T06:00:00Z', busyStatus: 'tentative' },
    { utcStart: '2026-12-08T01:00:00Z', utcEnd: '2026-12-08T02:00:00Z' },
  ], from, to), [
    { left: 25, width: 25, tentative: false },
    { left: 0, width: 25, tentative: true },
  ]);
});

test('answers: the organizer first, each answer in words', () => {
  const list = answers({
    b: { name: 'Bob', calendarAddress: 'mailto:bob@example.test', participationStatus: 'tentative' },
    r: { calendarAddress: 'mailto:board@example.test', kind: 'location', participationStatus: 'declined' },
    a: { name: 'Ann', calendarAddress: 'mailto:ann@example.test', roles: { owner: true }, participationStatus: 'accepted' },
    c: { sendTo: { imip: 'mailto:carol@example.test' } },
  });
  assert.deepEqual(list.map((x) => [x.who, x.owner, x.answer]), [
    ['Ann', true, 'Accepted'], ['Bob', false, 'Tentative'], ['board@example.test', false, 'Declined'],
    ['carol@example.test', false, 'Not answered yet'],
  ]);
  const event = { id: 'e', title: '', utcStart: '', utcEnd: '', participants: { b: { calendarAddress: 'mailto:bob@example.test' } } };
  assert.equal(myAnswer(event, 'bob@example.test'), 'needs-action');
  assert.equal(myAnswer(event, 'ann@example.test'), null);
});

test('an invitation read from its iCalendar text', () => {
  const text = 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\n'
    + 'BEGIN:VEVENT\r\nUID:abc-\r\n 123\r\nSUMMARY;LANGUAGE=en:Plan\\, review\\nand lunch\r\nEND:VEVENT\r\n'
    + 'BEGIN:VEVENT\r\nUID:abc-123\r\nRECURRENCE-ID:20261207T100000Z\r\nSUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
  /** @type {[string, ReturnType<typeof parseInvitation>][]} */
  const table = [
    [text, { method: 'REQUEST', uid: 'abc-123', summary: 'Plan, review and lunch' }],
    [text.replace('METHOD:REQUEST', 'METHOD:reply'), { method: 'REPLY', uid: 'abc-123', summary: 'Plan, review and lunch' }],
    ['BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n', null],
    ['', null],
  ];
  for (const [input, want] of table) {
    assert.deepEqual(parseInvitation(input), want);
  }
});
