// The calendar's views drawn from the visible occurrences (calendar.js gives them, with a
// button for each — its chip — and what a click, a drag or a day's heading does): the time grid
// of the day, work week and week views — all-day events in their own row, timed ones placed by
// the hour, overlapping ones side by side (layout.js), moved by dragging (to another time or day)
// and resized by dragging their bottom edge, snapped to 15 minutes — or by Alt and the arrow
// keys on a focused event, the edit form being the keyboard's other way —, the month's six weeks, and the agenda's list of days.
// All-day events in the week's row, and every event in the month, are moved by days (daydrag.js).

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { addDays, onDay } from './occurrences.js';
import { lanes, travel, moved, resized, SNAP } from './layout.js';
import { enableDayDrag, followDrag, movableByDays } from './daydrag.js';

const t = strings.calendar;
/** Rem per hour of the time grid (its column is 24 of them). */
const HOUR_REM = 2.5;
/** Rem per event in the all-day row. */
const ALL_DAY_REM = 1.6;

/**
 * @typedef {import('./calendar.js').CalendarEvent} CalendarEvent
 * @typedef {{ event: CalendarEvent, accountId: string, start: Date, end: Date, recurrenceId: string | null,
 *   title: string, allDay: boolean }} Item an occurrence as the views show it
 * @typedef {{ chip: (item: Item) => HTMLButtonElement, open: (item: Item | null, start: Date) => void,
 *   move: (item: Item, span: { start: Date, end: Date }) => void, writable: (item: Item) => boolean,
 *   goDay: (day: Date) => void, hold: (on: boolean) => void }} Actions what the calendar does for a
 *   view (`hold`: a press on an event began, or ended without a drag — the view is not drawn
 *   again under the pointer meanwhile)
 */

/** @param {Date} d */
export function time(d) {
  return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** @param {Date} day */
function dayName(day) {
  return day.toLocaleDateString(locale, { weekday: 'long', month: 'long', day: 'numeric' });
}

/**
 * Whether an item shows on a local day (an all-day one: any part of the day).
 * @param {Item} item
 * @param {Date} day
 */
function covers(item, day) {
  return item.allDay ? item.start < addDays(day, 1) && item.end > day : onDay(item, day) !== null;
}

/**
 * The day, work week or week view: heads, the all-day row, the hours and a column per day.
 * @param {HTMLElement} grid
 * @param {Date[]} days
 * @param {Item[]} items
 * @param {Actions} act
 */
export function drawTimeGrid(grid, days, items, act) {
  const allDay = items.filter((i) => i.allDay);
  const timed = items.filter((i) => !i.allDay);
  const rows = Math.max(1, ...days.map((d) => allDay.filter((i) => covers(i, d)).length));
  const hours = h('div', { class: 'hours', 'aria-hidden': 'true' },
    Array.from({ length: 24 }, (_, i) => h('div', { class: 'hour-label' }, [time(new Date(2000, 0, 1, i))])));
  const today = new Date().toDateString();
  /** @type {HTMLElement[]} */
  const columns = [];
  /** @type {HTMLElement[]} */
  const tops = [];
  const dayParts = days.map((day) => {
    // Named by what it shows and the month (WCAG 2.5.3: the visible text is in the name).
    const head = h('button', { type: 'button', class: `day-head${day.toDateString() === today ? ' today' : ''}`,
      onclick: () => act.goDay(day) },
    [day.toLocaleDateString(locale, { weekday: 'short', day: 'numeric' }),
      h('span', { class: 'visually-hidden' }, [` ${day.toLocaleDateString(locale, { month: 'long' })}`])]);
    const top = h('ul', { class: 'all-day', 'aria-label': `${t.allDay}, ${dayName(day)}` },
      allDay.filter((i) => covers(i, day)).map((i) => h('li', {}, [dayChip(i, act)])));
    tops.push(top);
    top.style.minHeight = `${rows * ALL_DAY_REM}rem`;
    const column = timeColumn(day, timed, act);
    columns.push(column);
    return h('div', { class: 'day' }, [head, top, column]);
  });
  columns.forEach((column, i) => enableDrag(column, i, { columns, days, items: timed, act }));
  enableDayDrag(tops, days, allDay, act, key);
  const label = h('div', { class: 'all-day-label' }, [t.allDay]);
  label.style.minHeight = `${rows * ALL_DAY_REM}rem`;
  grid.className = 'cal-grid timegrid';
  grid.style.gridTemplateColumns = `4rem repeat(${days.length}, minmax(0, 1fr))`;
  grid.replaceChildren(h('div', { class: 'day' }, [h('div', { class: 'day-head' }), label, hours]), ...dayParts);
}

/**
 * One day's column of timed events; a click on its empty part opens a new event at that hour.
 * @param {Date} day
 * @param {Item[]} items
 * @param {Actions} act
 */
function timeColumn(day, items, act) {
  const column = h('div', { class: 'day-column', role: 'group', 'aria-label': dayName(day),
    onclick: (ev) => {
      const e = /** @type {MouseEvent} */ (ev);
      if (e.target !== column) {
        return;
      }
      const box = column.getBoundingClientRect();
      const hour = Math.min(23, Math.max(0, Math.floor((e.clientY - box.top) / box.height * 24)));
      const start = new Date(day);
      start.setHours(hour);
      act.open(null, start);
    } });
  const here = items.flatMap((item) => {
    const place = onDay(item, day);
    return place ? [{ item, place }] : [];
  });
  const slots = lanes(here.map((x) => x.place));
  here.forEach(({ item, place }, i) => {
    const chip = act.chip(item);
    chip.classList.add('timed');
    chip.dataset.day = String(day.getTime());
    chip.style.top = `${place.top / 60 * HOUR_REM}rem`;
    chip.style.height = `${(place.bottom - place.top) / 60 * HOUR_REM}rem`;
    chip.style.left = `calc(${slots[i].lane / slots[i].lanes * 100}% + 2px)`;
    chip.style.width = `calc(${100 / slots[i].lanes}% - 4px)`;
    if (act.writable(item)) {
      chip.classList.add('movable');
      chip.append(h('span', { class: 'resize', 'aria-hidden': 'true', 'data-resize': '' }));
      keyboardMove(chip, item, act);
    }
    column.append(chip);
  });
  return column;
}

/**
 * The keyboard's drag: Alt+Up/Down moves a focused event by 15 minutes, Alt+Left/Right by a
 * day, Alt+Shift+Up/Down moves its end.
 * @param {HTMLElement} chip
 * @param {Item} item
 * @param {Actions} act
 */
function keyboardMove(chip, item, act) {
  chip.setAttribute('aria-keyshortcuts', 'Alt+ArrowUp Alt+ArrowDown Alt+ArrowLeft Alt+ArrowRight Alt+Shift+ArrowUp Alt+Shift+ArrowDown');
  chip.addEventListener('keydown', (e) => {
    const step = { ArrowUp: [0, -SNAP], ArrowDown: [0, SNAP], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[e.key];
    if (!e.altKey || !step) {
      return;
    }
    e.preventDefault();
    if (e.shiftKey) {
      if (step[1]) {
        act.move(item, resized(item, step[1]));
      }
    } else {
      act.move(item, moved(item, step[0], step[1]));
    }
  });
}

/**
 * Dragging the column's movable events: the body moves the event (to another time, or another
 * day's column), the bottom edge its end; on release the change goes to `act.move`, and the
 * click that follows a drag opens nothing.
 * @param {HTMLElement} column
 * @param {number} index
 * @param {{ columns: HTMLElement[], days: Date[], items: Item[], act: Actions }} grid
 */
function enableDrag(column, index, { columns, days, items, act }) {
  column.addEventListener('pointerdown', (ev) => {
    const chip = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (ev.target).closest('.event.movable'));
    if (!chip || ev.button !== 0) {
      return;
    }
    const item = items.find((i) => chip.dataset.key === key(i));
    if (!item) {
      return;
    }
    const resizing = /** @type {HTMLElement} */ (ev.target).hasAttribute('data-resize');
    const y0 = ev.clientY;
    const [top0, height0] = [chip.offsetTop, chip.offsetHeight];
    /** @type {{ start: Date, end: Date } | null} */
    let result = null;
    followDrag(chip, ev, act, {
      move: (e) => {
        const minutes = travel(e.clientY - y0, column.clientHeight);
        const perMinute = column.clientHeight / (24 * 60);
        if (resizing) {
          result = resized(item, minutes);
          chip.style.height = `${Math.max(15 * perMinute, height0 + (result.end.getTime() - item.end.getTime()) / 60000 * perMinute)}px`;
          return;
        }
        const to = columns.findIndex((c) => {
          const box = c.getBoundingClientRect();
          return e.clientX >= box.left && e.clientX < box.right;
        });
        const target = to < 0 ? index : to;
        const dayShift = Math.round((days[target].getTime() - days[index].getTime()) / 86400e3);
        result = moved(item, dayShift, minutes);
        if (chip.parentElement !== columns[target]) {
          columns[target].append(chip);
        }
        chip.style.top = `${top0 + minutes * perMinute}px`;
      },
      drop: () => {
        const changed = result && (result.start.getTime() !== item.start.getTime() || result.end.getTime() !== item.end.getTime());
        act.move(item, result && changed ? result : { start: item.start, end: item.end });
      },
    });
  });
}

/**
 * An occurrence's key among the view's (its event and recurrence id).
 * @param {Item} item
 */
export function key(item) {
  return `${item.accountId}/${item.event.id}/${item.recurrenceId ?? ''}`;
}

/**
 * The month view: six weeks of days, each with its events; a click on a day's empty part opens
 * a new event at 09:00 that day.
 * @param {HTMLElement} grid
 * @param {Date[]} days
 * @param {number} month the month shown (others' days are muted)
 * @param {Item[]} items
 * @param {Actions} act
 */
export function drawMonth(grid, days, month, items, act) {
  /** @type {HTMLElement[]} */
  const lists = [];
  const cells = days.map((day) => {
    const list = h('ul', { class: 'day-events' }, items.filter((i) => covers(i, day)).map((i) => h('li', {}, [dayChip(i, act)])));
    lists.push(list);
    const number = h('button', { type: 'button', class: 'day-number', 'aria-label': dayName(day), onclick: () => act.goDay(day) },
      [String(day.getDate())]);
    const cell = h('div', { class: `month-day${day.getMonth() === month ? '' : ' other-month'}`, role: 'group',
      'aria-label': dayName(day),
      onclick: (ev) => {
        const target = /** @type {HTMLElement} */ (ev.target);
        if (target === cell || target === list) {
          const start = new Date(day);
          start.setHours(9);
          act.open(null, start);
        }
      } }, [number, list]);
    return cell;
  });
  grid.className = 'cal-grid month';
  grid.style.gridTemplateColumns = '';
  grid.replaceChildren(...cells);
  // Dragged to another day (a series' occurrence: the user is asked which, as for any move).
  enableDayDrag(lists, days, items, act, key, (list) => list.parentElement ?? list);
}

/**
 * An event's chip in a list of a day's events, moved by whole days (daydrag.js).
 * @param {Item} item
 * @param {Actions} act
 */
function dayChip(item, act) {
  const chip = act.chip(item);
  movableByDays(chip, item, act);
  return chip;
}

/**
 * The agenda: each day with events, its events in time order (all-day ones first).
 * @param {HTMLElement} grid
 * @param {Date[]} days
 * @param {Item[]} items
 * @param {Actions} act
 */
export function drawAgenda(grid, days, items, act) {
  const sections = days.flatMap((day) => {
    const here = items.filter((i) => covers(i, day)).sort((a, b) => Number(b.allDay) - Number(a.allDay));
    if (!here.length) {
      return [];
    }
    const heading = h('h3', { class: 'agenda-day' }, [dayName(day)]);
    return [h('section', { class: 'agenda-section', 'aria-label': dayName(day) }, [heading,
      h('ul', { class: 'agenda-events' }, here.map((i) => h('li', { class: 'agenda-item' }, [
        h('span', { class: 'agenda-time' }, [i.allDay ? t.allDay : `${time(i.start)} – ${time(i.end)}`]),
        act.chip(i),
      ]))),
    ])];
  });
  grid.className = 'cal-grid agenda';
  grid.style.gridTemplateColumns = '';
  grid.replaceChildren(...(sections.length ? sections : [h('p', { class: 'empty' }, [t.noEvents])]));
}
