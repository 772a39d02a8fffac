// Undo send: a message sent from the page is held by the server for a few seconds (RFC 4865
// FUTURERELEASE through EmailSubmission's envelope, HOLDFOR) and can be taken back until then
// (undoStatus canceled, RFC 8621 §7.5). Here the delay's setting and the hold's states as
// data, on a clock the caller gives (sendbar.js draws them). No DOM.
//
//   holding ──time is up──▶ sent
//      │ undo
//      ▼
//   undoing ──cancelled──▶ undone
//      ├────too late─────▶ sent      (the server had released it: cannotUnsend)
//      └────failed───────▶ holding, or sent once the time is up

/** Where the delay is kept (per browser). */
export const HOLD_KEY = 'relais.undoSeconds';
/** The delay when none is chosen. */
export const DEFAULT_HOLD = 10;
/** The longest delay offered (the server would hold a week). */
export const MAX_HOLD = 120;

/**
 * The delay in seconds a stored value asks for: a whole number from 0 (off) to MAX_HOLD, else
 * the default.
 * @param {string | null | undefined} stored
 */
export function holdSeconds(stored) {
  const text = String(stored ?? '').trim();
  if (!/^\d{1,6}$/.test(text)) {
    return DEFAULT_HOLD;
  }
  return Math.min(Number(text), MAX_HOLD);
}

/** The delay chosen in this browser. */
export function storedHold() {
  try {
    return holdSeconds(globalThis.localStorage?.getItem(HOLD_KEY));
  } catch {
    return DEFAULT_HOLD;
  }
}

/** @typedef {'holding' | 'undoing' | 'undone' | 'sent'} HoldState */

/** One held message's states (see the top of this file); times in milliseconds. */
export class Hold {
  /**
   * @param {number} seconds how long the server holds it
   * @param {number} now when it was submitted
   */
  constructor(seconds, now) {
    this.until = now + seconds * 1000;
    /** @type {HoldState} */
    this.state = 'holding';
  }

  /**
   * Whole seconds left (0 once the time is up).
   * @param {number} now
   */
  remaining(now) {
    return Math.max(0, Math.ceil((this.until - now) / 1000));
  }

  /**
   * The state at `now`: a hold whose time is up is sent.
   * @param {number} now
   * @returns {HoldState}
   */
  tick(now) {
    if (this.state === 'holding' && now >= this.until) {
      this.state = 'sent';
    }
    return this.state;
  }

  /**
   * The user asks to take it back: true when that is to be tried (it is still held).
   * @param {number} now
   */
  undo(now) {
    if (this.tick(now) !== 'holding') {
      return false;
    }
    this.state = 'undoing';
    return true;
  }

  /**
   * What the server answered to the cancellation.
   * @param {'cancelled' | 'late' | 'failed'} answer
   * @param {number} now
   * @returns {HoldState}
   */
  answered(answer, now) {
    if (this.state !== 'undoing') {
      return this.state;
    }
    this.state = answer === 'cancelled' ? 'undone' : answer === 'late' ? 'sent' : 'holding';
    return this.tick(now);
  }
}
