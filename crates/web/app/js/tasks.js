// Tasks on JMAP for Task Lists (draft-ietf-jmap-tasks): the account's task lists (TaskList/get)
// with a list chosen, its tasks sorted by due date (Task/query + Task/get by result reference;
// undated last, done ones after the open ones), overdue ones marked, a check box marking one
// done or not (progress), a form to create or edit one (title, due date and time, notes) and
// delete; changes made elsewhere (CalDAV, ActiveSync, another browser) shown without reload
// (EventSource TaskList/Task). The pure helpers are exported for the unit tests.

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { Unauthorized, TASKS } from './api.js';
import { Panes, namePanes } from './panes.js';

const t = strings.tasks;
const LIMIT = 500;
const PROPERTIES = ['id', 'taskListId', 'title', 'description', 'due', 'utcDue', 'timeZone', 'progress'];

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {{ id: string, name: string, role: string | null, sortOrder?: number,
 *   myRights?: { mayWriteAll?: boolean } }} TaskList
 * @typedef {{ id: string, taskListId: string, title?: string, description?: string, due?: string,
 *   utcDue?: string | null, timeZone?: string | null, progress?: string }} Task
 * @typedef {{ title: string, description: string, date: string, time: string }} TaskForm
 */

/** @param {unknown} e */
function report(e) {
  if (e instanceof Unauthorized) {
    window.location.reload();
  } else {
    console.error(e);
  }
}

/**
 * Whether a task is done (RFC 8984 §5.2.5: completed; cancelled ones are no longer to do).
 * @param {Task} task
 */
export function isDone(task) {
  return task.progress === 'completed' || task.progress === 'cancelled';
}

/**
 * Whether an open task's due moment is past at `now` (milliseconds since the epoch); one due
 * on a day without a time (midnight, as `taskProperties` writes it) is due by the day's end.
 * @param {Task} task
 * @param {number} now
 */
export function isOverdue(task, now) {
  if (isDone(task) || !task.utcDue) {
    return false;
  }
  const whole = dueFields(task).date !== '' && dueFields(task).time === '';
  const due = Date.parse(task.utcDue) + (whole ? 86_400_000 : 0);
  return Number.isFinite(due) && due < now;
}

/**
 * The tasks in the order shown: open before done, then by due moment (undated last), then by
 * title; a new array.
 * @param {Task[]} tasks
 * @returns {Task[]}
 */
export function sortTasks(tasks) {
  const due = (/** @type {Task} */ x) => {
    const ms = x.utcDue ? Date.parse(x.utcDue) : NaN;
    return Number.isFinite(ms) ? ms : Infinity;
  };
  return [...tasks].sort((a, b) => Number(isDone(a)) - Number(isDone(b))
    || (due(a) === due(b) ? 0 : due(a) < due(b) ? -1 : 1)
    || (a.title ?? '').localeCompare(b.title ?? ''));
}

/**
 * The due date and time a form shows for a task (its LocalDateTime, RFC 8984 §1.4.4, as it is
 * in its zone): `YYYY-MM-DD` and `HH:MM`, empty when it has none.
 * @param {Task | null} task
 * @returns {{ date: string, time: string }}
 */
export function dueFields(task) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(task?.due ?? '');
  return m ? { date: m[1], time: m[2] === '00:00' ? '' : m[2] } : { date: '', time: '' };
}

/**
 * The JSCalendar properties a form sets (null removes one on an update): the due moment in
 * the user's zone, the day's midnight when no time is given (`isOverdue` reads it as the
 * whole day).
 * @param {TaskForm} form
 * @param {string} zone an IANA zone
 * @returns {Record<string, string | null>}
 */
export function taskProperties(form, zone) {
  const title = form.title.trim().slice(0, 1000);
  const description = form.description.trim().slice(0, 10000);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(form.date) ? form.date : '';
  const time = /^\d{2}:\d{2}$/.test(form.time) ? form.time : '';
  return {
    title,
    description: description || null,
    due: date ? `${date}T${time || '00:00'}:00` : null,
    timeZone: date ? zone : null,
  };
}

/**
 * How a due moment reads: the day (and the time, in the browser's zone, when it has one) in
 * the user's locale; a day without a time is that day wherever the user is.
 * @param {Task} task
 * @param {string} [locale]
 */
export function dueLabel(task, locale) {
  const { date, time } = dueFields(task);
  if (!date) {
    return '';
  }
  const [y, m, d] = date.split('-').map(Number);
  const instant = time && task.utcDue ? Date.parse(task.utcDue) : NaN;
  const at = Number.isFinite(instant) ? new Date(instant) : new Date(y, m - 1, d);
  const day = at.toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  return time ? `${day} ${at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })}` : day;
}

export class TasksView {
  /**
   * @param {Jmap} jmap
   * @param {HTMLElement} root
   */
  constructor(jmap, root) {
    this.jmap = jmap;
    this.accountId = jmap.accounts[TASKS] ?? '';
    /** @type {TaskList[]} */
    this.lists = [];
    /** @type {string | null} */
    this.listId = null;
    /** @type {Task[]} */
    this.tasks = [];
    /** @type {EventSource | null} */
    this.source = null;
    /** @type {string | null} */
    this.taskState = null;
    /** @type {string | null} */
    this.listState = null;
    this.zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'Etc/UTC';
    this.listNav = h('ul', { class: 'task-lists', 'aria-label': t.lists });
    this.list = h('ul', { class: 'tasks-list', 'aria-label': t.tasks });
    this.detail = h('section', { class: 'reading task-pane', 'aria-label': t.task },
      [h('p', { class: 'placeholder' }, [t.nothingSelected])]);
    this.alert = h('p', { class: 'error', role: 'alert' });
    this.status = h('p', { class: 'status', role: 'status' });
    const nav = h('nav', { class: 'pane', 'aria-label': t.lists }, [this.listNav]);
    const listPane = h('section', { class: 'pane list-pane', 'aria-label': t.tasks }, [
      h('button', { type: 'button', class: 'new-message', onclick: () => this.edit(null) }, [t.newTask]),
      this.alert, this.list, this.status,
    ]);
    namePanes({ nav, list: listPane, detail: this.detail });
    root.replaceChildren(nav, listPane, this.detail);
    // On a phone: the list's tasks first, a task's form alone (panes.js).
    this.panes = new Panes(root, 'list');
  }

  async start() {
    if (!this.accountId) {
      this.alert.textContent = t.unavailable;
      return;
    }
    await this.loadLists();
    await this.load();
    this.source = this.jmap.follow((states) => {
      if (states.TaskList && states.TaskList !== this.listState) {
        this.loadLists().then(() => this.load()).catch(report);
      } else if (states.Task && states.Task !== this.taskState) {
        this.load().catch(report);
      }
    }, ['TaskList', 'Task'], this.accountId);
  }

  stop() {
    this.source?.close();
  }

  async loadLists() {
    const r = await this.jmap.call([['TaskList/get', { accountId: this.accountId, ids: null }, 'l']]);
    /** @type {TaskList[]} */
    const lists = r.l.list;
    this.lists = lists.sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0) || a.name.localeCompare(b.name));
    this.listState = r.l.state;
    if (!this.lists.some((l) => l.id === this.listId)) {
      this.listId = (this.lists.find((l) => l.role === 'inbox') ?? this.lists[0])?.id ?? null;
    }
    this.listNav.replaceChildren(...this.lists.map((l) => h('li', {}, [h('button', {
      type: 'button', class: 'folder', 'aria-current': String(l.id === this.listId),
      onclick: () => { this.listId = l.id; this.panes.show('list'); this.loadLists().then(() => this.load()).catch(report); },
    }, [l.name])])));
  }

  async load() {
    if (!this.listId) {
      this.list.replaceChildren(h('li', { class: 'placeholder' }, [t.none]));
      return;
    }
    const r = await this.jmap.call([
      ['Task/query', { accountId: this.accountId, filter: { inTaskLists: [this.listId] },
        sort: [{ property: 'due' }], limit: LIMIT }, 'q'],
      ['Task/get', { accountId: this.accountId, properties: PROPERTIES,
        '#ids': { resultOf: 'q', name: 'Task/query', path: '/ids' } }, 'g'],
    ]);
    this.tasks = sortTasks(r.g.list);
    this.taskState = r.g.state;
    this.drawList();
  }

  drawList() {
    if (this.tasks.length === 0) {
      this.list.replaceChildren(h('li', { class: 'placeholder' }, [t.none]));
      return;
    }
    const now = Date.now();
    this.list.replaceChildren(...this.tasks.map((task) => {
      const overdue = isOverdue(task, now);
      const box = h('input', { type: 'checkbox', id: `done-${task.id}`, 'aria-label': t.markDone(task.title ?? t.untitled),
        onchange: () => { this.toggle(task).catch(report); } });
      box.checked = isDone(task);
      const label = dueLabel(task, locale);
      return h('li', { class: `task-entry${isDone(task) ? ' done' : ''}${overdue ? ' overdue' : ''}`, id: `task-${task.id}` }, [
        box,
        h('button', { type: 'button', class: 'task-title', onclick: () => this.edit(task) }, [task.title || t.untitled]),
        label ? h('span', { class: 'task-due' }, [overdue ? `${t.overdue} · ${label}` : label]) : '',
      ]);
    }));
  }

  /** @param {Task} task */
  async toggle(task) {
    const progress = isDone(task) ? 'needs-action' : 'completed';
    const r = await this.jmap.call([['Task/set', { accountId: this.accountId,
      update: { [task.id]: { progress } } }, 's']]);
    const refused = r.s.notUpdated?.[task.id];
    this.alert.textContent = refused ? `${t.failed} ${refused.description ?? refused.type}` : '';
    this.status.textContent = refused ? '' : (progress === 'completed' ? t.markedDone : t.markedOpen);
    await this.load();
  }

  /** @param {Task} task */
  async remove(task) {
    const r = await this.jmap.call([['Task/set', { accountId: this.accountId, destroy: [task.id] }, 's']]);
    const refused = r.s.notDestroyed?.[task.id];
    if (refused) {
      this.alert.textContent = `${t.failed} ${refused.description ?? refused.type}`;
      return;
    }
    this.detail.replaceChildren(h('p', { class: 'placeholder' }, [t.deleted]));
    this.panes.show('list');
    await this.load();
  }

  /**
   * The form: a new task (null) in the list shown, or this one's title, due date and notes.
   * @param {Task | null} task
   */
  edit(task) {
    const due = dueFields(task);
    const title = h('input', { id: 'task-title', value: task?.title ?? '', maxlength: '1000', required: true });
    const date = h('input', { id: 'task-date', type: 'date', value: due.date });
    const time = h('input', { id: 'task-time', type: 'time', value: due.time });
    const notes = h('textarea', { id: 'task-notes', rows: '5', maxlength: '10000' });
    notes.value = task?.description ?? '';
    const error = h('p', { class: 'error', role: 'alert' });
    const field = (/** @type {string} */ id, /** @type {string} */ label, /** @type {HTMLElement} */ el) =>
      h('div', { class: 'field' }, [h('label', { for: id }, [label]), el]);
    const save = async () => {
      const props = taskProperties({ title: title.value, description: notes.value, date: date.value,
        time: time.value }, task?.timeZone ?? this.zone);
      if (!props.title) {
        error.textContent = t.needTitle;
        return;
      }
      const args = task
        ? { update: { [task.id]: props } }
        : { create: { n: { '@type': 'Task', taskListId: this.listId,
          ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null)) } } };
      const r = await this.jmap.call([['Task/set', { accountId: this.accountId, ...args }, 's']]);
      const refused = r.s.notCreated?.n ?? (task ? r.s.notUpdated?.[task.id] : null);
      if (refused) {
        error.textContent = `${t.failed} ${refused.description ?? refused.type}`;
        return;
      }
      this.detail.replaceChildren(h('p', { class: 'placeholder' }, [t.saved]));
      this.panes.show('list');
      await this.load();
    };
    this.detail.replaceChildren(h('form', { class: 'compose task-form', 'aria-label': task ? t.edit : t.newTask,
      onsubmit: (e) => { e.preventDefault(); save().catch((x) => { error.textContent = `${t.failed} ${String(x)}`; report(x); }); } }, [
      h('h2', {}, [task ? t.edit : t.newTask]),
      field('task-title', t.title, title),
      h('div', { class: 'task-when' }, [field('task-date', t.dueDate, date), field('task-time', t.dueTime, time)]),
      field('task-notes', t.notes, notes),
      error,
      h('div', { class: 'actions' }, [
        h('button', { type: 'submit', class: 'send' }, [t.save]),
        task ? h('button', { type: 'button', onclick: () => { this.remove(task).catch(report); } }, [t.delete]) : '',
        h('button', { type: 'button', onclick: () => { this.detail.replaceChildren(); this.panes.show('list'); } }, [t.cancel]),
      ]),
    ]));
    this.panes.show('detail');
    title.focus();
  }
}
