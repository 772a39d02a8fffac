// The web client's entry point: the login form without a session, else the application with
// its views — Mail, Calendar, Contacts, Tasks, Settings — switched by a tab list (ARIA tabs: Left/Right,
// Home/End move between them).

import { h, byId } from './dom.js';
import { strings, language } from './strings.js';
import { currentSession, logout, Jmap, Unauthorized } from './api.js';
import { showLogin } from './login.js';
import { MailView } from './mail.js';
import { CalendarView } from './calendar.js';
import { ContactsView } from './contacts.js';
import { TasksView } from './tasks.js';
import { SettingsView } from './settings.js';

// The page's language (strings.js chose it), for assistive technology and hyphenation.
document.documentElement.lang = language;
const root = byId('root');
/** @type {{ stop(): void } | null} */
let view = null;

/** @typedef {'mail' | 'calendar' | 'contacts' | 'tasks' | 'settings'} ViewName */
/** @type {ViewName[]} */
const VIEWS = ['mail', 'calendar', 'contacts', 'tasks', 'settings'];

function signedOut() {
  view?.stop();
  view = null;
  showLogin(root, (username) => { signedIn(username).catch(failed); });
}

/** @param {unknown} e */
function failed(e) {
  if (e instanceof Unauthorized) {
    signedOut();
    return;
  }
  console.error(e);
  root.replaceChildren(h('p', { class: 'error', role: 'alert' }, [strings.offline]));
}

/**
 * Shows one view in `content`, the one before stopped (its push closed).
 * @param {Jmap} jmap
 * @param {HTMLElement} content
 * @param {ViewName} name
 */
async function open(jmap, content, name) {
  view?.stop();
  content.className = name;
  const next = name === 'mail' ? new MailView(jmap, content)
    : name === 'calendar' ? new CalendarView(jmap, content)
      : name === 'contacts' ? new ContactsView(jmap, content)
        : name === 'tasks' ? new TasksView(jmap, content) : new SettingsView(jmap, content);
  view = next;
  await next.start();
}

/**
 * The tab list switching views.
 * @param {(name: ViewName) => void} select
 */
function tabs(select) {
  const buttons = VIEWS.map((name, i) => h('button', { type: 'button', role: 'tab', id: `tab-${name}`,
    'aria-controls': 'view', 'aria-selected': String(i === 0), tabindex: i === 0 ? '0' : '-1',
    onclick: () => choose(i) }, [strings.views[name]]));
  /** @param {number} i */
  const choose = (i) => {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
    });
    buttons[i].focus();
    byId('view').setAttribute('aria-labelledby', buttons[i].id);
    select(VIEWS[i]);
  };
  return h('div', { class: 'views', role: 'tablist', 'aria-label': strings.views.label,
    onkeydown: (ev) => {
      const e = /** @type {KeyboardEvent} */ (ev);
      const i = buttons.findIndex((b) => b.getAttribute('aria-selected') === 'true');
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
      if (to !== undefined) {
        e.preventDefault();
        choose((to + VIEWS.length) % VIEWS.length);
      }
    } }, buttons);
}

/** @param {string} username */
async function signedIn(username) {
  const jmap = await Jmap.open();
  const content = h('div', { class: 'mail', id: 'view', role: 'tabpanel', 'aria-labelledby': 'tab-mail' });
  const out = h('button', { type: 'button', class: 'logout', onclick: () => {
    logout().then(signedOut, failed);
  } }, [strings.logout]);
  root.replaceChildren(
    h('header', { class: 'top', role: 'banner' }, [
      h('span', { class: 'brand' }, [strings.appName]),
      tabs((name) => { open(jmap, content, name).catch(failed); }),
      h('span', { class: 'user' }, [username]),
      out,
    ]),
    h('main', { class: 'app' }, [content]),
  );
  await open(jmap, content, 'mail');
}

window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof Unauthorized) {
    signedOut();
  }
});

currentSession().then((s) => (s ? signedIn(s.username) : signedOut())).catch(failed);
