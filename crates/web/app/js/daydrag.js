// Moving whole days: an all-day event dragged along the week's all-day row, or any event dragged
// from one day of the month to another, keeps its time and length and changes its day; Alt and
// Left/Right on a focused one do the same by the keyboard. Used by calendar-views.js for the
// all-day row and the month's cells; its time grid's drag (to another time, or a resize) follows
// the pointer with the same `followDrag`.

import { moved } from './layout.js';

/** Pixels a pointer travels before a press becomes a drag. */
const DRAG_THRESHOLD = 4;

/**
 * @typedef {import('./calendar-views.js').Item} Item
 * @typedef {import('./calendar-views.js').Actions} Actions
 */

/**
 * Which of `boxes` (each a day's rectangle) holds the point; -1 for none.
 * @param {{ left: number, right: number, top: number, bottom: number }[]} boxes
 * @param {number} x
 * @param {number} y
 */
export function dayAt(boxes, x, y) {
  return boxes.findIndex((b) => x >= b.left && x < b.right && y >= b.top && y < b.bottom);
}

/**
 * Whole days between two midnights (a DST change makes a day 23 or 25 hours).
 * @param {Date} from
 * @param {Date} to
 */
export function daysBetween(from, to) {
  return Math.round((to.getTime() - from.getTime()) / 86400e3);
}

/**
 * Marks an event's chip movable by days (when the user may change it) and gives it Alt+Left/Right.
 * @param {HTMLElement} chip
 * @param {Item} item
 * @param {Actions} act
 */
export function movableByDays(chip, item, act) {
  if (!act.writable(item)) {
    return;
  }
  chip.classList.add('movable', 'by-day');
  chip.setAttribute('aria-keyshortcuts', 'Alt+ArrowLeft Alt+ArrowRight');
  chip.addEventListener('keydown', (e) => {
    const step = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
    if (e.altKey && step) {
      e.preventDefault();
      act.move(item, moved(item, step, 0));
    }
  });
}

/**
 * Dragging the movable chips of `lists` (one per day of `days`) to another day's list, the day
 * being the one whose `area` (the list itself unless told: a month's whole cell) holds the pointer.
 * @param {HTMLElement[]} lists
 * @param {Date[]} days
 * @param {Item[]} items
 * @param {Actions} act
 * @param {(item: Item) => string} keyOf
 * @param {(list: HTMLElement) => HTMLElement} [area]
 */
export function enableDayDrag(lists, days, items, act, keyOf, area = (list) => list) {
  lists.forEach((list, index) => list.addEventListener('pointerdown', (ev) => {
    const chip = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (ev.target).closest('.event.by-day'));
    const item = chip ? items.find((i) => chip.dataset.key === keyOf(i)) : undefined;
    if (!chip || !item || ev.button !== 0) {
      return;
    }
    let target = index;
    followDrag(chip, ev, act, {
      move: (e) => {
        const at = dayAt(lists.map((l) => area(l).getBoundingClientRect()), e.clientX, e.clientY);
        if (at >= 0 && at !== target) {
          // The day under the pointer is marked; the chip stays where it is until the view is
          // drawn again (moving it in the document would end its pointer capture).
          area(lists[target]).classList.remove('drop');
          target = at;
          area(lists[at]).classList.toggle('drop', at !== index);
        }
      },
      end: () => area(lists[target]).classList.remove('drop'),
      drop: () => act.move(item, moved(item, daysBetween(days[index], days[target]), 0)),
    });
  }));
}

/**
 * Follows a press on `chip` (the pointer captured, the view held): once the pointer has gone
 * DRAG_THRESHOLD pixels it is a drag — the chip marked `dragging`, `on.move` told of each move —
 * and its release calls `on.drop`, the click that release makes being swallowed (it is the
 * drag's, not a request to open the event); a press that never became a drag lets the view go.
 * `on.end` runs at every release or cancel, drag or not.
 * @param {HTMLElement} chip
 * @param {PointerEvent} ev the press
 * @param {Actions} act
 * @param {{ move: (e: PointerEvent) => void, drop: () => void, end?: () => void }} on
 */
export function followDrag(chip, ev, act, on) {
  const [x0, y0] = [ev.clientX, ev.clientY];
  let dragging = false;
  chip.setPointerCapture(ev.pointerId);
  act.hold(true);
  const onMove = (/** @type {PointerEvent} */ e) => {
    if (!dragging && Math.hypot(e.clientX - x0, e.clientY - y0) < DRAG_THRESHOLD) {
      return;
    }
    dragging = true;
    chip.classList.add('dragging');
    on.move(e);
  };
  const onUp = () => {
    chip.removeEventListener('pointermove', onMove);
    chip.removeEventListener('pointerup', onUp);
    chip.removeEventListener('pointercancel', onUp);
    on.end?.();
    if (!dragging) {
      act.hold(false);
      return;
    }
    chip.addEventListener('click', (c) => { c.stopImmediatePropagation(); c.preventDefault(); }, { capture: true, once: true });
    on.drop();
  };
  chip.addEventListener('pointermove', onMove);
  chip.addEventListener('pointerup', onUp);
  chip.addEventListener('pointercancel', onUp);
}
