// The message list's arithmetic, apart from the page (crates/web/test/rows.test.js reads it):
// which rows a scroll position shows in a scroller of fixed-height rows, which windows of
// positions to ask Email/query for, the selection (click, ctrl/cmd click, shift click, all in
// view), and how far a change of the list moves the rows above what is shown.
//
// A folder of 100,000 messages at 64 px a row is 6.4 million pixels: browsers cap an element's
// height (Chromium near 33 million, Firefox near 17), so past MAX_HEIGHT the scroll bar stands for
// the positions in proportion instead of one pixel each, and the rows are drawn where the
// proportion puts them.

/** Past this many pixels the scroller's height is this, and positions are proportional. */
export const MAX_HEIGHT = 4_000_000;
/** Most rows one shift click selects. */
export const MAX_RANGE = 5000;

/**
 * @typedef {{ scrollTop: number, viewport: number, rowHeight: number, total: number,
 *   margin: number, maxHeight?: number }} Scroll
 * @typedef {{ height: number, first: number, last: number, top: number }} Layout
 */

/**
 * @param {number} n
 * @param {number} lo
 * @param {number} hi
 */
function clamp(n, lo, hi) {
  return Math.min(Math.max(n, lo), hi);
}

/**
 * What a scroll position shows: the scroller's `height`, and the rows `first` to `last`
 * (excluded) to draw — the ones in view and `margin` more on either side —, the first of them
 * `top` pixels down the scroller.
 * @param {Scroll} s
 * @returns {Layout}
 */
export function layout({ scrollTop, viewport, rowHeight, total, margin, maxHeight = MAX_HEIGHT }) {
  const count = Math.max(0, Math.floor(total) || 0);
  const full = count * rowHeight;
  const height = Math.min(full, maxHeight);
  const view = Math.max(0, viewport);
  let exact = 0;
  if (full <= maxHeight) {
    exact = Math.max(0, scrollTop) / rowHeight;
  } else {
    const range = height - view;
    const share = range > 0 ? clamp(scrollTop / range, 0, 1) : 0;
    exact = share * Math.max(0, count - view / rowHeight);
  }
  exact = clamp(exact, 0, Math.max(0, count - 1));
  const at = Math.floor(exact);
  const first = Math.max(0, at - margin);
  const last = Math.min(count, at + Math.ceil(view / rowHeight) + 1 + margin);
  const top = Math.max(0, scrollTop) - (exact - at) * rowHeight - (at - first) * rowHeight;
  return { height, first, last: Math.max(first, last), top: full <= maxHeight ? first * rowHeight : top };
}

/**
 * The scroll position that puts row `index` at the top of the view ([`layout`]'s inverse).
 * @param {number} index
 * @param {{ viewport: number, rowHeight: number, total: number, maxHeight?: number }} s
 */
export function scrollTopOf(index, { viewport, rowHeight, total, maxHeight = MAX_HEIGHT }) {
  const full = total * rowHeight;
  if (full <= maxHeight) {
    return Math.max(0, index) * rowHeight;
  }
  const rows = Math.max(1, total - viewport / rowHeight);
  return clamp(index / rows, 0, 1) * (maxHeight - viewport);
}

/**
 * How far to scroll so that row `index` is wholly in view (0: it is).
 * @param {number} index
 * @param {{ first: number, last: number }} inView the rows wholly in view, `last` excluded
 */
export function revealBy(index, { first, last }) {
  if (index < first) {
    return index - first;
  }
  if (index >= last) {
    return index - last + 1;
  }
  return 0;
}

/**
 * The windows of positions (starts, multiples of `page`) to fetch for rows `first` to `last`
 * (excluded): those with a position not known yet.
 * @param {number} first
 * @param {number} last
 * @param {(position: number) => boolean} known
 * @param {number} page
 */
export function windows(first, last, known, page) {
  /** @type {number[]} */
  const starts = [];
  for (let start = Math.floor(first / page) * page; start < last; start += page) {
    for (let p = Math.max(start, first); p < Math.min(start + page, last); p += 1) {
      if (!known(p)) {
        starts.push(start);
        break;
      }
    }
  }
  return starts;
}

/**
 * What a click on a row does to the selection: `toggle` with ctrl or cmd or on its check box,
 * `range` with shift, else `only` (that row alone, and it opens).
 * @param {{ ctrlKey: boolean, metaKey: boolean, shiftKey: boolean }} e
 * @param {boolean} onCheck
 * @returns {'only' | 'toggle' | 'range'}
 */
export function clickKind(e, onCheck) {
  if (e.shiftKey) {
    return 'range';
  }
  return e.ctrlKey || e.metaKey || onCheck ? 'toggle' : 'only';
}

/** The selected messages (by id) and the row a shift click extends from. */
export class Selection {
  constructor() {
    /** @type {Set<string>} */
    this.ids = new Set();
    this.anchor = -1;
  }

  get size() {
    return this.ids.size;
  }

  /** @param {string} id */
  has(id) {
    return this.ids.has(id);
  }

  clear() {
    this.ids.clear();
    this.anchor = -1;
  }

  /**
   * @param {number} index
   * @param {string} id
   */
  only(index, id) {
    this.ids.clear();
    this.ids.add(id);
    this.anchor = index;
  }

  /**
   * @param {number} index
   * @param {string} id
   */
  toggle(index, id) {
    if (!this.ids.delete(id)) {
      this.ids.add(id);
    }
    this.anchor = index;
  }

  /**
   * Adds the rows from the anchor to `index` (at most MAX_RANGE of them, the nearest to
   * `index`); a row whose id is not known yet is left out.
   * @param {number} index
   * @param {(position: number) => string | undefined} idAt
   */
  range(index, idAt) {
    const from = this.anchor < 0 ? index : this.anchor;
    const step = from <= index ? 1 : -1;
    const far = Math.abs(index - from) >= MAX_RANGE ? index - step * (MAX_RANGE - 1) : from;
    for (let p = far; p !== index + step; p += step) {
      const id = idAt(p);
      if (id) {
        this.ids.add(id);
      }
    }
    if (this.anchor < 0) {
      this.anchor = index;
    }
  }

  /**
   * Selects these (the rows in view), or, when they all are already, none of them.
   * @param {string[]} ids
   */
  all(ids) {
    if (ids.length > 0 && ids.every((id) => this.ids.has(id))) {
      for (const id of ids) {
        this.ids.delete(id);
      }
    } else {
      for (const id of ids) {
        this.ids.add(id);
      }
    }
  }
}

/**
 * How many rows the list grew by above position `first` after a change (Email/queryChanges,
 * RFC 8620 §5.6): the added ones with an index before it, less the removed ones that were before
 * it (their positions as the list knew them) — so that the rows in view stay in view.
 * @param {number} first
 * @param {{ index: number }[]} added
 * @param {string[]} removed
 * @param {(id: string) => number | undefined} positionOf
 */
export function shiftAbove(first, added, removed, positionOf) {
  let shift = 0;
  for (const id of removed) {
    const p = positionOf(id);
    if (p !== undefined && p < first) {
      shift -= 1;
    }
  }
  for (const a of added) {
    if (a.index <= first + shift) {
      shift += 1;
    }
  }
  return shift;
}
