// Where events go in a day's column and how a drag changes them, pure (no DOM; tested under
// node:test): overlapping events side by side (each cluster of events that overlap one another,
// directly or through others, shares the column's width; each event takes the first lane free
// at its start), a pointer's travel snapped to 15 minutes, and an occurrence moved (by days and
// minutes) or resized (its end moved, never before its start plus one step).

/** Minutes a drag snaps to. */
export const SNAP = 15;
const MINUTES_PER_DAY = 24 * 60;

/**
 * @typedef {{ top: number, bottom: number }} Place minutes from the day's midnight
 * @typedef {{ lane: number, lanes: number }} Slot the lane (0-based) and how many share the width
 */

/**
 * The lane of each event of a day (in the order given) and the lanes of its cluster.
 * @param {Place[]} places
 * @returns {Slot[]}
 */
export function lanes(places) {
  const order = places.map((p, i) => ({ ...p, i })).sort((a, b) => a.top - b.top || b.bottom - a.bottom);
  /** @type {Slot[]} */
  const out = places.map(() => ({ lane: 0, lanes: 1 }));
  /** The bottom of each lane's last event in the current cluster. @type {number[]} */
  let ends = [];
  /** @type {number[]} */
  let cluster = [];
  let clusterEnd = -Infinity;
  const close = () => {
    for (const i of cluster) {
      out[i].lanes = ends.length;
    }
    ends = [];
    cluster = [];
  };
  for (const p of order) {
    if (p.top >= clusterEnd) {
      close();
    }
    let lane = ends.findIndex((end) => end <= p.top);
    if (lane < 0) {
      lane = ends.length;
      ends.push(p.bottom);
    } else {
      ends[lane] = p.bottom;
    }
    out[p.i].lane = lane;
    cluster.push(p.i);
    clusterEnd = Math.max(clusterEnd, p.bottom);
  }
  close();
  return out;
}

/**
 * Minutes rounded to the nearest step.
 * @param {number} minutes
 * @param {number} [step]
 */
export function snap(minutes, step = SNAP) {
  const r = Math.round(minutes / step) * step;
  return r === 0 ? 0 : r;
}

/**
 * A pointer's vertical travel (pixels) as minutes, snapped, on a column `height` pixels tall
 * showing the whole day.
 * @param {number} pixels
 * @param {number} height
 */
export function travel(pixels, height) {
  return height > 0 ? snap(pixels / height * MINUTES_PER_DAY) : 0;
}

/**
 * The occurrence moved by `days` and `minutes`: the same length, its start on the wall clock
 * (a move across a DST change keeps the local time, as the user sees it).
 * @param {{ start: Date, end: Date }} span
 * @param {number} days
 * @param {number} minutes
 */
export function moved(span, days, minutes) {
  const start = new Date(span.start);
  start.setDate(start.getDate() + days);
  start.setMinutes(start.getMinutes() + minutes);
  return { start, end: new Date(start.getTime() + (span.end.getTime() - span.start.getTime())) };
}

/**
 * The occurrence with its end moved by `minutes`, at least one step after its start.
 * @param {{ start: Date, end: Date }} span
 * @param {number} minutes
 */
export function resized(span, minutes) {
  const least = span.start.getTime() + SNAP * 60000;
  return { start: new Date(span.start), end: new Date(Math.max(least, span.end.getTime() + minutes * 60000)) };
}
