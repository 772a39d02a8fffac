// The server: the web session (login, logout) and JMAP (RFC 8620) with the session's cookie.
// Every state-changing request carries the session's CSRF token in a header.

export const MAIL = 'urn:ietf:params:jmap:mail';
const CORE = 'urn:ietf:params:jmap:core';
const SUBMISSION = 'urn:ietf:params:jmap:submission';
const VACATION = 'urn:ietf:params:jmap:vacationresponse';
export const CALENDARS = 'urn:ietf:params:jmap:calendars';
export const CONTACTS = 'urn:ietf:params:jmap:contacts';
export const TASKS = 'urn:ietf:params:jmap:tasks';
/** Relais's own: the user's password, app passwords and devices. */
export const SECURITY = 'urn:relais:jmap:security';
export const PRINCIPALS = 'urn:ietf:params:jmap:principals';
const CSRF_HEADER = 'X-Relais-CSRF';

/** The session ended (or never was): the page shows the login form. */
export class Unauthorized extends Error {}

/** A method's error (RFC 8620 §3.6.2): its type, and the server's description when it gave one. */
export class MethodError extends Error {
  /**
   * @param {string} id the call's id
   * @param {string} type
   * @param {string | undefined} description
   */
  constructor(id, type, description) {
    super(`jmap ${id}: ${type}`);
    this.type = type;
    this.description = description;
  }
}

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
 * What the JMAP session (RFC 8620 §2) says about blobs: where to upload and download them, and
 * the largest upload.
 * @typedef {{ uploadUrl: string, downloadUrl: string, maxSizeUpload: number }} Blobs
 * @typedef {{ accountId: string, blobId: string, type: string, size: number }} Uploaded
 * @typedef {{ name: string, isPersonal: boolean, isReadOnly: boolean, capabilities: string[] }} SessionAccount
 */

/**
 * A JMAP client of the session's mail account (`accountId`) and of its primary calendars,
 * contacts and principals accounts (`accounts`, by capability; absent when the server offers none).
 */
export class Jmap {
  /**
   * @param {string} accountId
   * @param {Record<string, string>} [accounts]
   * @param {Blobs} [blobs]
   * @param {number} [minPasswordLength] what the server asks of a new password
   * @param {Record<string, SessionAccount>} [sessionAccounts] every account the session reaches
   */
  constructor(accountId, accounts = {}, blobs = { uploadUrl: '', downloadUrl: '', maxSizeUpload: 0 },
    minPasswordLength = 8, sessionAccounts = {}) {
    this.accountId = accountId;
    this.accounts = accounts;
    /** The user's accounts and those shared with the user (RFC 8620 §2), by id. */
    this.sessionAccounts = sessionAccounts;
    this.blobs = blobs;
    this.minPasswordLength = minPasswordLength;
  }

  /**
   * The URL a blob of the mail account downloads from (the session's downloadUrl template).
   * @param {string} blobId
   * @param {string} name
   * @param {string} type
   */
  downloadUrl(blobId, name, type) {
    return this.blobs.downloadUrl
      .replace('{accountId}', encodeURIComponent(this.accountId))
      .replace('{blobId}', encodeURIComponent(blobId))
      .replace('{name}', encodeURIComponent(name))
      .replace('{type}', encodeURIComponent(type));
  }

  /**
   * Uploads a file into the mail account (RFC 8620 §6.1) with the session's CSRF token;
   * `onProgress` gets the share sent (0 to 1). A refusal is thrown with the server's words.
   * @param {Blob} file
   * @param {(sent: number) => void} onProgress
   * @returns {{ done: Promise<Uploaded>, abort: () => void }}
   */
  upload(file, onProgress) {
    const xhr = new XMLHttpRequest();
    const url = this.blobs.uploadUrl.replace('{accountId}', encodeURIComponent(this.accountId));
    const done = new Promise((resolve, reject) => {
      xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) { onProgress(e.loaded / e.total); } });
      xhr.addEventListener('load', () => {
        if (xhr.status === 401) {
          reject(new Unauthorized());
        } else if (xhr.status === 201 || xhr.status === 200) {
          resolve(JSON.parse(xhr.responseText));
        } else {
          reject(new Error(`${xhr.status} ${xhr.responseText.slice(0, 200)}`));
        }
      });
      xhr.addEventListener('error', () => reject(new Error('network error')));
      xhr.addEventListener('abort', () => reject(new Error('cancelled')));
    });
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.send(file);
    return { done, abort: () => xhr.abort() };
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
    /** @type {{ primaryAccounts: Record<string, string>, uploadUrl: string, downloadUrl: string,
     *   capabilities: Record<string, { maxSizeUpload?: number }>,
     *   accounts: Record<string, { name?: string, isPersonal?: boolean, isReadOnly?: boolean,
     *     accountCapabilities: Record<string, any> }> }} */
    const session = await r.json();
    const account = session.primaryAccounts[MAIL];
    if (!account) {
      throw new Error('no mail account');
    }
    const security = session.accounts[account]?.accountCapabilities[SECURITY];
    return new Jmap(account, session.primaryAccounts, { uploadUrl: session.uploadUrl, downloadUrl: session.downloadUrl,
      maxSizeUpload: session.capabilities[CORE]?.maxSizeUpload ?? 0 }, Number(security?.minPasswordLength ?? 8),
    Object.fromEntries(Object.entries(session.accounts ?? {}).map(([id, a]) => [id, { name: String(a.name ?? id),
      isPersonal: Boolean(a.isPersonal), isReadOnly: Boolean(a.isReadOnly), capabilities: Object.keys(a.accountCapabilities ?? {}) }])));
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
      body: JSON.stringify({
        using: [CORE, MAIL, SUBMISSION, VACATION, CALENDARS, CONTACTS, TASKS, PRINCIPALS, SECURITY], methodCalls: calls,
      }),
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
        throw new MethodError(id, String(args.type), typeof args.description === 'string' ? args.description : undefined);
      }
      if (!(id in byId)) {
        byId[id] = args;
      }
    }
    return byId;
  }

  /**
   * Follows an account's state changes (RFC 8620 §7.3) of the given types: `onChange` gets the
   * new states (and the account's id: several accounts may be named).
   * @param {(states: Record<string, string>, accountId: string) => void} onChange
   * @param {string[]} [types]
   * @param {string | string[]} [accountId] the mail account unless others are named
   * @returns {EventSource}
   */
  follow(onChange, types = ['Email', 'Mailbox'], accountId = this.accountId) {
    const source = new EventSource(`/jmap/eventsource?types=${types.join(',')}&closeafter=no&ping=60`);
    const ids = Array.isArray(accountId) ? accountId : [accountId];
    source.addEventListener('state', (e) => {
      const change = JSON.parse(/** @type {MessageEvent} */ (e).data);
      for (const id of ids) {
        const states = change.changed?.[id];
        if (states) {
          onChange(states, id);
        }
      }
    });
    return source;
  }
}
