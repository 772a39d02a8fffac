// Every string the user reads, in one place: English here, each other language a table of the
// same shape in lang/ (lang/fr.js). The page's language is the one chosen in Settings (kept in
// localStorage), else the browser's first one we have, else English; a string a table lacks is
// the English one. Changing the language reloads the page (modules read their strings once).

import { fr } from './lang/fr.js';

const en = {
  appName: 'Relais',
  login: {
    title: 'Sign in to Relais',
    username: 'Email address',
    password: 'Password',
    submit: 'Sign in',
    failed: 'Wrong address or password.',
    throttled: 'Too many failed attempts. Try again in a few minutes.',
    httpsRequired: 'Sign in over HTTPS.',
    error: 'Signing in failed. Try again later.',
  },
  mail: {
    folders: 'Folders',
    messages: 'Messages',
    reading: 'Message',
    unread: (/** @type {number} */ n) => `${n} unread`,
    noSubject: '(no subject)',
    noMessages: 'No messages in this folder.',
    nothingSelected: 'Select a message to read it.',
    loadMore: 'Load more',
    loading: 'Loading…',
    delete: 'Delete',
    from: 'From',
    to: 'To',
    date: 'Date',
    remoteBlocked: 'Remote images in this message are blocked to protect your privacy.',
    showRemote: 'Show images',
    showQuoted: 'Show quoted text',
    hideQuoted: 'Hide quoted text',
    hasAttachment: 'Has attachments',
    attachedMark: 'With files attached',
    receivedFrom: 'Received from',
    receivedUntil: 'Received until',
    withAttachments: 'with attachments',
    since: (/** @type {string} */ day) => `from ${day}`,
    until: (/** @type {string} */ day) => `until ${day}`,
    unreadMark: 'Unread',
    deleted: 'Moved to Trash.',
    newMessage: 'New message',
    edit: 'Edit draft',
    reply: 'Reply',
    replyAll: 'Reply all',
    forward: 'Forward',
    markRead: 'Mark read',
    markUnread: 'Mark unread',
    flag: 'Flag',
    unflag: 'Unflag',
    flagged: 'Flagged',
    moveTo: 'Move to…',
    junk: 'Junk',
    notJunk: 'Not junk',
    junked: (/** @type {number} */ n) => (n === 1 ? 'Moved to Junk.' : `${n} moved to Junk.`),
    notJunked: (/** @type {number} */ n) => (n === 1 ? 'Moved to the Inbox.' : `${n} moved to the Inbox.`),
    inFolder: (/** @type {string} */ parent) => `in ${parent}`,
    moved: (/** @type {string} */ name) => `Moved to ${name}.`,
    sent: 'Sent.',
    draftKept: 'The draft is in Drafts.',
    discarded: 'Draft discarded.',
    search: 'Search mail',
    searchHint: 'Words, or from:, to:, subject:',
    searchButton: 'Search',
    clearSearch: 'Clear search',
    results: (/** @type {number} */ n, /** @type {string} */ q) => `${n} found for “${q}” in all folders.`,
    failed: 'That did not work:',
  },
  compose: {
    title: 'New message',
    to: 'To',
    cc: 'Cc',
    bcc: 'Bcc',
    subject: 'Subject',
    body: 'Message text',
    send: 'Send',
    discard: 'Discard',
    close: 'Close',
    sending: 'Sending…',
    saved: (/** @type {string} */ time) => `Draft saved at ${time}.`,
    notSaved: 'The draft was not saved:',
    failed: 'Not sent:',
    noRecipients: 'Add at least one recipient.',
    noDrafts: 'This account has no Drafts or Sent folder.',
    badAddresses: (/** @type {string} */ list) => `Not an address: ${list}`,
    tooMany: (/** @type {number} */ n) => `more than ${n} recipients`,
    wrote: (/** @type {string} */ date, /** @type {string} */ who) => `On ${date}, ${who} wrote:`,
    forwarded: '---------- Forwarded message ----------',
    richText: 'Rich text',
    richHint: 'Write with formatting (sent as HTML with a plain-text copy)',
    errors: {
      forbiddenFrom: 'You may not send from this address.',
      invalidRecipients: 'Unknown recipients:',
      noRecipients: 'The message names no recipient.',
      tooManyRecipients: 'Too many recipients.',
      overQuota: 'The mailbox is full.',
      tooLarge: 'The message is too large.',
      invalidProperties: 'The message is not valid:',
    },
  },
  // The rich-text editor's toolbar (editor.js).
  editor: {
    toolbar: 'Formatting',
    bold: 'Bold',
    italic: 'Italic',
    underline: 'Underline',
    bullets: 'Bulleted list',
    numbers: 'Numbered list',
    link: 'Link',
    linkPrompt: 'Address of the link (https://…, mailto:…)',
    badLink: 'A link must start with https://, http:// or mailto:.',
    quote: 'Quote',
    clear: 'Clear formatting',
  },
  // Sending held for a moment so that it can be taken back (undo.js, sendbar.js).
  undo: {
    sending: (/** @type {number} */ n) => `Sending in ${n} s…`,
    undo: 'Undo',
    undoing: 'Taking the message back…',
    undone: 'Not sent: the message is back in the compose form.',
    tooLate: 'Too late: the message was sent.',
    sent: 'Sent.',
    failed: 'Could not take the message back:',
  },
  attachments: {
    attach: 'Attach files',
    attached: 'Attached files',
    attachments: (/** @type {number} */ n) => (n === 1 ? '1 attachment' : `${n} attachments`),
    unnamed: 'attachment',
    remove: (/** @type {string} */ name) => `Remove ${name}`,
    uploading: (/** @type {string} */ name) => `Uploading ${name}`,
    uploaded: 'Uploaded',
    failed: (/** @type {string} */ why) => `Not uploaded: ${why}`,
    notUploaded: (/** @type {string} */ names) => `Not sent: these files did not upload (remove them): ${names}`,
    tooLarge: (/** @type {string} */ name, /** @type {string} */ size, /** @type {string} */ max) =>
      `“${name}” is ${size}; the largest file this server takes is ${max}.`,
    tooMany: (/** @type {number} */ n) => `At most ${n} files can be attached.`,
  },
  // The message list at scale (messagelist.js, shortcuts.js): threads, selection, bulk actions.
  list: {
    threads: 'Conversations',
    select: 'Select',
    selectInView: 'Select all in view',
    selected: (/** @type {number} */ n) => `${n} selected`,
    inThread: (/** @type {number} */ n) => `${n} messages in this conversation`,
    conversation: (/** @type {number} */ n) => `Conversation (${n} messages)`,
    dragged: (/** @type {number} */ n) => (n === 1 ? '1 message' : `${n} messages`),
    movedMany: (/** @type {number} */ n, /** @type {string} */ name) => `${n} moved to ${name}.`,
    deletedMany: (/** @type {number} */ n) => `${n} moved to Trash.`,
    bulk: 'Selected messages',
    flag: 'Flag',
    unflag: 'Unflag',
    markRead: 'Mark read',
    markUnread: 'Mark unread',
    delete: 'Delete',
    shortcuts: 'Keyboard shortcuts',
    close: 'Close',
    keys: {
      next: 'Next message',
      previous: 'Previous message',
      open: 'Open the message',
      select: 'Select or unselect the message',
      reply: 'Reply',
      replyAll: 'Reply all',
      forward: 'Forward',
      delete: 'Delete',
      unread: 'Mark read or unread',
      flag: 'Flag or unflag',
      compose: 'New message',
      search: 'Search',
      help: 'These shortcuts',
      close: 'Close this list',
    },
  },
  views: {
    label: 'Views',
    mail: 'Mail',
    calendar: 'Calendar',
    contacts: 'Contacts',
    tasks: 'Tasks',
    settings: 'Settings',
  },
  calendar: {
    title: 'Calendar',
    calendars: 'Calendars',
    navigation: 'Calendar navigation',
    previous: 'Previous',
    next: 'Next',
    today: 'Today',
    views: 'Views',
    modes: { day: 'Day', workweek: 'Work week', week: 'Week', month: 'Month', agenda: 'Agenda' },
    newEvent: 'New event',
    editEvent: 'Edit event',
    eventTitle: 'Title',
    start: 'Start',
    end: 'End',
    location: 'Location',
    description: 'Description',
    calendar: 'Calendar',
    save: 'Save',
    delete: 'Delete',
    cancel: 'Cancel',
    untitled: '(no title)',
    allDay: 'All day',
    close: 'Close',
    repeating: 'repeats',
    repeat: 'Repeat',
    repetition: 'Repetition',
    repeats: { none: 'Does not repeat', daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly', yearly: 'Yearly' },
    customRule: 'As it repeats now (kept)',
    every: 'Every (days, weeks, months or years)',
    onDays: 'On',
    ends: 'Ends',
    endsWhen: { never: 'Never', until: 'On a day', count: 'After a number of times' },
    until: 'Last day',
    count: 'Times',
    changeWhich: 'This event repeats. Change only this occurrence, or all of them?',
    deleteWhich: 'This event repeats. Delete only this occurrence, or all of them?',
    thisOccurrence: 'This occurrence',
    allOccurrences: 'All occurrences',
    myCalendars: 'My calendars',
    sharedBy: (/** @type {string} */ name) => `Shared by ${name}`,
    readOnly: 'You may only read this calendar.',
    readOnlyMark: 'read only',
    noEvents: 'Nothing in these days.',
    endBeforeStart: 'The end must be after the start.',
    failed: 'That did not work:',
    unavailable: 'This account has no calendars.',
  },
  tasks: {
    lists: 'Task lists',
    tasks: 'Tasks',
    task: 'Task',
    newTask: 'New task',
    none: 'No tasks in this list.',
    nothingSelected: 'Select a task to edit it.',
    untitled: '(untitled)',
    overdue: 'Overdue',
    markDone: (/** @type {string} */ title) => `Done: ${title}`,
    markedDone: 'Marked done.',
    markedOpen: 'Marked not done.',
    edit: 'Edit task',
    title: 'Title',
    dueDate: 'Due date',
    dueTime: 'Due time',
    notes: 'Notes',
    save: 'Save',
    cancel: 'Cancel',
    delete: 'Delete',
    deleted: 'Task deleted.',
    saved: 'Task saved.',
    needTitle: 'A task needs a title.',
    failed: 'That did not work:',
    unavailable: 'Tasks are not available for this account.',
  },
  contacts: {
    contacts: 'Contacts',
    contact: 'Contact',
    newContact: 'New contact',
    search: 'Search contacts',
    searchButton: 'Search',
    found: (/** @type {number} */ n, /** @type {string} */ q) => `${n} found for “${q}”.`,
    none: 'No contacts yet.',
    noneFound: 'No contact matches.',
    nothingSelected: 'Select a contact to see it.',
    unnamed: '(no name)',
    edit: 'Edit contact',
    delete: 'Delete',
    deleted: 'Contact deleted.',
    save: 'Save',
    cancel: 'Cancel',
    given: 'Given name',
    surname: 'Surname',
    emails: 'Email addresses',
    phones: 'Phone numbers',
    organization: 'Organization',
    addresses: 'Addresses',
    notes: 'Notes',
    needName: 'Give a name or an email address.',
    failed: 'That did not work:',
    unavailable: 'This account has no address books.',
  },
  settings: {
    title: 'Settings',
    outOfOffice: 'Out of office',
    enabled: 'Send an automatic reply',
    hint: 'Leave the dates empty to reply from now on until you turn it off. Times are in this browser’s time zone.',
    from: 'From',
    until: 'Until',
    subject: 'Subject (empty: “Auto:” and the message’s subject)',
    text: 'Reply text',
    save: 'Save',
    savedOn: 'Saved: the automatic reply is on.',
    savedOff: 'Saved: the automatic reply is off.',
    untilBeforeFrom: 'The end must be after the start.',
    failed: 'Not saved:',
    notRead: 'The out-of-office setting could not be read:',
    identity: 'Name and signature',
    identityHint: 'Your name is shown to the people you write to. The signature is added to new messages, replies and forwards.',
    name: 'Display name',
    textSignature: 'Signature (plain text)',
    htmlSignature: 'Signature (rich text; empty: the plain one)',
    identitySaved: 'Saved.',
    noIdentity: 'This account has no identity to send with.',
    writing: 'Writing and language',
    language: 'Language',
    browserLanguage: 'As the browser (English if not available)',
    holdSeconds: 'Delay before sending, to allow Undo (seconds; 0: send at once)',
    format: 'Write new messages as',
    formats: { plain: 'Plain text', rich: 'Rich text (HTML)' },
    preferencesSaved: 'Saved.',
  },
  security: {
    password: 'Password',
    passwordHint: 'At least {n} characters. Every device and browser signed in with the old one is signed out.',
    current: 'Current password',
    newPassword: 'New password',
    again: 'New password again',
    change: 'Change password',
    mismatch: 'The two new passwords differ.',
    changed: 'Password changed. Sign in again with the new one.',
    appPasswords: 'App passwords',
    appHint: 'An app password lets a mail, calendar or contacts app sign in without your password. It cannot sign in here.',
    newAppPassword: 'New app password',
    appName: 'Name (the app or device it is for)',
    make: 'Make app password',
    madeHint: 'The app password for “{name}” — copy it into the app now: it will not be shown again.',
    created: 'made',
    lastUsed: 'last used',
    neverUsed: 'never used',
    revoke: 'Revoke',
    noAppPasswords: 'No app passwords.',
    devices: 'Phones and tablets',
    deviceHint: 'Devices that sync this account over Exchange ActiveSync. Wiping or forgetting one needs your password.',
    noDevices: 'No devices.',
    lastSeen: 'last seen',
    wipe: 'Wipe',
    forget: 'Forget',
    confirmWipe: 'Erase everything on “{name}” the next time it syncs?',
    needPassword: 'Give your current password first.',
    wipeRequested: 'Wipe requested',
    accountWipeRequested: 'Account wipe requested',
    wiped: 'Wiped',
    accountWiped: 'Account wiped',
    failed: 'That did not work:',
  },
  people: {
    suggestions: 'Suggestions',
    kinds: { group: 'Group', location: 'Room', resource: 'Equipment', contact: 'Contact', other: 'Shared' },
  },
  meeting: {
    title: 'Meeting',
    attendees: 'Invite people and rooms',
    placeholder: 'Name or address',
    required: 'Required',
    optional: 'Optional',
    roleOf: (/** @type {string} */ who) => `Role of ${who}`,
    remove: (/** @type {string} */ who) => `Remove ${who}`,
    tooMany: (/** @type {number} */ n) => `At most ${n} attendees.`,
    showAvailability: 'Show availability',
    availability: 'Availability on the meeting’s day',
    free: 'free',
    busyCount: (/** @type {number} */ n) => `busy ${n === 1 ? 'once' : `${n} times`}`,
    unknown: 'availability unknown',
    answersTitle: 'Participants',
    organizer: 'Organizer',
    answers: { 'needs-action': 'Not answered yet', accepted: 'Accepted', tentative: 'Tentative', declined: 'Declined',
      delegated: 'Delegated' },
    failed: 'That did not work:',
  },
  invitation: {
    title: 'Invitation',
    answer: 'Your answer',
    buttons: { accepted: 'Accept', tentative: 'Tentative', declined: 'Decline' },
    yourAnswer: (/** @type {string} */ a) => `Your answer: ${a}`,
    notInCalendar: 'This meeting is not in your calendar.',
    failed: 'Not answered:',
  },
  logout: 'Sign out',
  offline: 'The server could not be reached.',
  // Themes, the phone layout and the directory in Contacts (theme.js, panes.js, gal.js).
  fit: {
    back: 'Back',
    theme: 'Theme',
    themes: { system: 'Same as the device', light: 'Light', dark: 'Dark' },
    themeNotKept: 'This browser keeps no settings: the theme holds until the page is left.',
    addressBooks: 'Address books',
    directory: 'Directory',
    directoryHint: 'People, groups and rooms of your organisation',
    directoryList: 'People in the directory',
    person: 'Person',
    individual: 'Person',
    readOnly: 'From the organisation’s directory; only an administrator changes it.',
    email: 'Email',
    kind: 'Kind',
    write: 'Write to',
    addToContacts: 'Add to my contacts',
    added: (/** @type {string} */ who) => `${who} is now in your contacts.`,
    already: (/** @type {string} */ who) => `${who} is already in your contacts.`,
    more: 'Show more',
    shown: (/** @type {number} */ n, /** @type {number} */ total) => `${n} of ${total}`,
    nobody: 'Nobody in the directory matches.',
    unavailable: 'The directory is not available.',
    failed: 'That did not work:',
    until: (/** @type {string} */ time) => `until ${time}`,
  },
};

/** @typedef {typeof en} Strings */
/**
 * A table that may lack strings (English is used for those).
 * @template T
 * @typedef {{ [K in keyof T]?: T[K] extends (...a: any[]) => any ? T[K] : T[K] extends object ? Partial<T[K]> : T[K] }} Partly
 */

/** The languages the page speaks: code → its own name and its table. */
export const LANGUAGES = /** @type {Record<string, { name: string, table: Record<string, unknown> }>} */ ({
  en: { name: 'English', table: en },
  fr: { name: 'Français', table: fr },
});
/** Where the chosen language is kept. */
export const LANGUAGE_KEY = 'relais.language';

/**
 * The language to speak: the one chosen (when we have it), else the first of the browser's we
 * have (`fr-CA` counts as `fr`), else English.
 * @param {string | null} chosen
 * @param {readonly string[]} browser
 */
export function chooseLanguage(chosen, browser) {
  const have = (/** @type {string | null | undefined} */ tag) => {
    const code = String(tag ?? '').toLowerCase().split('-')[0];
    return Object.hasOwn(LANGUAGES, code) ? code : null;
  };
  return have(chosen) ?? browser.map(have).find((c) => c) ?? 'en';
}

/**
 * `table` over `base`: each string the table has, else the base's (one level of sections deep,
 * as the tables are; a string must be of the base's kind — text for text, function for function).
 * @template {Record<string, any>} T
 * @param {T} base
 * @param {Record<string, any>} table
 * @returns {T}
 */
export function localised(base, table) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of Object.entries(base)) {
    const own = Object.hasOwn(table, key) ? table[key] : undefined;
    if (value && typeof value === 'object' && own && typeof own === 'object') {
      out[key] = localised(value, own);
    } else {
      out[key] = typeof own === typeof value ? own : value;
    }
  }
  return /** @type {T} */ (out);
}

/** The chosen language in this browser, or null (none chosen, or no storage). */
export function storedLanguage() {
  try {
    return globalThis.localStorage?.getItem(LANGUAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/**
 * The locale dates and times are written in: the browser's own tag when it is of the language
 * spoken (`en-GB` keeps its day-month order), else the language's code.
 * @param {string} language
 * @param {readonly string[]} browser
 */
export function localeFor(language, browser) {
  return browser.find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
}

const browserLanguages = globalThis.navigator?.languages ?? [];
/** The page's language, a code of LANGUAGES. */
export const language = chooseLanguage(storedLanguage(), browserLanguages);
/** The locale of dates and times (toLocaleString's first argument). */
export const locale = localeFor(language, browserLanguages);
export const strings = localised(en, LANGUAGES[language].table);
