// The server: the web session (login, logout) and JMAP (RFC 8620) with the session's cookie.
// Every state-changing request carries the session's CSRF token in a header.

export const MAIL = 'urn:ietf:params:jmap:mail';
const CORE = 'urn:ietf:params:jmap:core';
const SUBMISSION = 'urn:ietf:params:jmap:submission';
const VACATION = 'urn:ietf:params:jmap:vacationresponse';
export const CALENDARS = 'urn:ietf:params:jmap:calendars';
export const CONTACTS = 'urn:ietf:params:jmap:contacts';
export const PRINCIPALS = 'urn:ietf:params:jmap:principals';
const CSRF_HEADER = 'X-Relais-CSRF';

/** The session ended (or never was): the page shows the login form. */
export class Unauthorized extends Error {}

/**
 * @typedef {{ username: string, csrfToken: string }} WebSession
 * @typedef {[string, Record<string, unknown>, string]} Invocation
 */

/** @type {string} */
let csrf = '';

/**
 * The current session, or null when there is none.
 * @returns {Promise<WebSession | null>}
 */
export async function currentSession() {
  const r = await fetch('/web/session', { credentials: 'same-origin' });
  if (r.status === 401) {
    return null;
  }
  if (!r.ok) {
    throw new Error(`session: ${r.status}`);
  }
  /** @type {WebSession} */
  const s = await r.json();
  csrf = s.csrfToken;
  return s;
}

/**
 * Logs in; the answer's `error` is `failed`, `throttled`, `https-required` or another failure.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<{ session?: WebSession, error?: string }>}
 */
export async function login(username, password) {
  const body = new URLSearchParams({ username, password });
  const r = await fetch('/web/login', { method: 'POST', credentials: 'same-origin', body });
  /** @type {{ username?: string, csrfToken?: string, error?: string }} */
  const answer = await r.json().catch(() => ({}));
  if (r.ok && answer.username && answer.csrfToken) {
    csrf = answer.csrfToken;
    return { session: { username: answer.username, csrfToken: answer.csrfToken } };
  }
  return { error: answer.error ?? `status ${r.status}` };
}

export async function logout() {
  await fetch('/web/logout', { method: 'POST', credentials: 'same-origin', headers: { [CSRF_HEADER]: csrf } });
  csrf = '';
}

/**
 * A JMAP client of the session's mail account (`accountId`) and of its primary calendars,
 * contacts and principals accounts (`accounts`, by capability; absent when the server offers none).
 */
export class Jmap {
  /**
   * @param {string} accountId
   * @param {Record<string, string>} [accounts]
   */
  constructor(accountId, accounts = {}) {
    this.accountId = accountId;
    this.accounts = accounts;
  }

  /** @returns {Promise<Jmap>} */
  static async open() {
    const r = await fetch('/jmap/session', { credentials: 'same-origin' });
    if (r.status === 401) {
      throw new Unauthorized();
    }
    if (!r.ok) {
      throw new Error(`jmap session: ${r.status}`);
    }
    /** @type {{ primaryAccounts: Record<string, string> }} */
    const session = await r.json();
    const account = session.primaryAccounts[MAIL];
    if (!account) {
      throw new Error('no mail account');
    }
    return new Jmap(account, session.primaryAccounts);
  }

  /**
   * Runs method calls (RFC 8620 §3.3) and answers their responses by call id (the first one of
   * an id: an implicit call — EmailSubmission/set's Email/set, RFC 8621 §7.5 — answers under
   * the id of the call that caused it, after it); a method error is thrown.
   * @param {Invocation[]} calls
   * @returns {Promise<Record<string, any>>}
   */
  async call(calls) {
    const r = await fetch('/jmap/api', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', [CSRF_HEADER]: csrf },
      body: JSON.stringify({ using: [CORE, MAIL, SUBMISSION, VACATION, CALENDARS, CONTACTS, PRINCIPALS], methodCalls: calls }),
    });
    if (r.status === 401) {
      throw new Unauthorized();
    }
    if (!r.ok) {
      throw new Error(`jmap: ${r.status}`);
    }
    /** @type {{ methodResponses: Invocation[] }} */
    const answer = await r.json();
    /** @type {Record<string, any>} */
    const byId = {};
    for (const [name, args, id] of answer.methodResponses) {
      if (name === 'error') {
        throw new Error(`jmap ${id}: ${String(args.type)}`);
      }
      if (!(id in byId)) {
        byId[id] = args;
      }
    }
    return byId;
  }

  /**
   * Follows an account's state changes (RFC 8620 §7.3) of the given types: `onChange` gets the
   * new states.
   * @param {(states: Record<string, string>) => void} onChange
   * @param {string[]} [types]
   * @param {string} [accountId] the mail account unless another is named
   * @returns {EventSource}
   */
  follow(onChange, types = ['Email', 'Mailbox'], accountId = this.accountId) {
    const source = new EventSource(`/jmap/eventsource?types=${types.join(',')}&closeafter=no&ping=60`);
    source.addEventListener('state', (e) => {
      const change = JSON.parse(/** @type {MessageEvent} */ (e).data);
      const states = change.changed?.[accountId];
      if (states) {
        onChange(states);
      }
    });
    return source;
  }
}
