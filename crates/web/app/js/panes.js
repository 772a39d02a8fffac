// One pane at a time on a phone. A view's panes — `nav` (folders, calendars, address books,
// task lists), `list` (messages, the calendar's grid, cards, tasks) and `detail` (a message,
// the compose form, an event's form, a card, a task) — are marked `data-pane-name`; the
// view's root says in `data-pane` which one is shown, and app.css, at most PHONE_MAX_WIDTH
// pixels wide, hides the others (wider screens show them side by side, as before). The page's
// Back button (main.js) goes to the pane before. Which pane comes before which, and where the
// phone layout starts, are pure (tested under node:test).

/** @typedef {'nav' | 'list' | 'detail'} Pane */

/** The panes in the order one goes through them. @type {readonly Pane[]} */
export const PANE_ORDER = ['nav', 'list', 'detail'];
/** The widest screen (CSS pixels) laid out one pane at a time; app.css's media queries say the same. */
export const PHONE_MAX_WIDTH = 640;
const PHONE_QUERY = `(max-width: ${PHONE_MAX_WIDTH}px)`;
/** Said on the root of every view when its shown pane changes. */
export const PANE_EVENT = 'relais-pane';

/**
 * Whether a screen this wide (CSS pixels) is laid out one pane at a time.
 * @param {number} width
 */
export function isPhoneWidth(width) {
  return width <= PHONE_MAX_WIDTH;
}

/**
 * The pane Back goes to from `pane` among those a view has (`present`), or null at the first.
 * @param {Pane} pane
 * @param {readonly Pane[]} present
 * @returns {Pane | null}
 */
export function backFrom(pane, present) {
  const order = PANE_ORDER.filter((p) => present.includes(p));
  const i = order.indexOf(pane);
  return i > 0 ? order[i - 1] : null;
}

/**
 * The pane shown when a view asks for `wanted`: itself if the view has it, else the nearest
 * one before it, else its first.
 * @param {Pane} wanted
 * @param {readonly Pane[]} present
 * @returns {Pane}
 */
export function paneFor(wanted, present) {
  const order = PANE_ORDER.filter((p) => present.includes(p));
  const before = PANE_ORDER.slice(0, PANE_ORDER.indexOf(wanted) + 1).reverse().find((p) => order.includes(p));
  return before ?? order[0] ?? wanted;
}

/** Whether the page is laid out one pane at a time now. */
export function phoneLayout() {
  return typeof window !== 'undefined' && window.matchMedia(PHONE_QUERY).matches;
}

/** The shown pane of one view's root. */
export class Panes {
  /**
   * @param {HTMLElement} root the view's root, whose children carry `data-pane-name`
   * @param {Pane} first the pane a phone shows first
   */
  constructor(root, first) {
    this.root = root;
    root.dataset.pane = first;
  }

  /** @returns {Pane} */
  get current() {
    return /** @type {Pane} */ (this.root.dataset.pane ?? 'list');
  }

  /** @returns {Pane[]} */
  present() {
    return [...this.root.children].map((el) => /** @type {HTMLElement} */ (el).dataset.paneName)
      .filter((p) => PANE_ORDER.includes(/** @type {Pane} */ (p))).map((p) => /** @type {Pane} */ (p));
  }

  /**
   * Shows a pane; on a phone, the keyboard's focus follows when it was left in a pane now
   * hidden (focus outside the view — the header's Back — stays where it is).
   * @param {Pane} wanted
   */
  show(wanted) {
    const pane = paneFor(wanted, this.present());
    if (pane === this.current) {
      return;
    }
    this.root.dataset.pane = pane;
    this.root.dispatchEvent(new CustomEvent(PANE_EVENT, { bubbles: true }));
    const active = document.activeElement;
    if (phoneLayout() && active && this.root.contains(active) && !this.shown()?.contains(active)) {
      this.focus();
    }
  }

  /** The element of the pane shown. @returns {HTMLElement | null} */
  shown() {
    return this.root.querySelector(`:scope > [data-pane-name="${this.current}"]`);
  }

  /** Puts the keyboard's focus on the pane shown. */
  focus() {
    const el = this.shown();
    if (el) {
      if (!el.hasAttribute('tabindex')) {
        el.tabIndex = -1;
      }
      el.focus({ preventScroll: true });
    }
  }

  /** Where Back goes now, or null. */
  backTo() {
    return backFrom(this.current, this.present());
  }

  /** Goes back one pane (nothing at the first). */
  back() {
    const to = this.backTo();
    if (to) {
      this.show(to);
    }
  }
}

/**
 * Marks a view's pane elements with their names (the phone layout's CSS reads them).
 * @param {Partial<Record<Pane, HTMLElement>>} panes
 */
export function namePanes(panes) {
  for (const [name, el] of Object.entries(panes)) {
    el.dataset.paneName = name;
  }
}
