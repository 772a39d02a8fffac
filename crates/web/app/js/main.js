// The web client's entry point: the login form without a session, else the application with
// its views — Mail, Calendar, Contacts, Tasks, Settings — switched by a tab list (ARIA tabs: Left/Right,
// Home/End move between them). The colour theme is applied first (theme.js); on a phone a view
// shows one pane at a time (panes.js) and the header's Back button goes to the one before;
// "Write to" in Contacts opens Mail's compose form for that person.

import { h, byId } from './dom.js';
import { strings, language } from './strings.js';
import { currentSession, logout, Jmap, Unauthorized } from './api.js';
import { showLogin } from './login.js';
import { MailView } from './mail.js';
import { CalendarView } from './calendar.js';
import { ContactsView, WRITE_EVENT } from './contacts.js';
import { TasksView } from './tasks.js';
import { SettingsView } from './settings.js';
import { startTheme } from './theme.js';
import { PANE_EVENT } from './panes.js';
import { blank, formatAddress } from './draft.js';

startTheme();

// The page's language (strings.js chose it), for assistive technology and hyphenation.
document.documentElement.lang = language;
const root = byId('root');
/** @type {{ stop(): void, panes?: import('./panes.js').Panes } | null} */
let view = null;

/** @typedef {'mail' | 'calendar' | 'contacts' | 'tasks' | 'settings'} ViewName */
/** The view being opened, settled once it has started. @type {Promise<void>} */
let opened = Promise.resolve();
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
function open(jmap, content, name) {
  opened = started(jmap, content, name);
  return opened;
}

/**
 * The view of `name` made in `content` and started.
 * @param {Jmap} jmap
 * @param {HTMLElement} content
 * @param {ViewName} name
 */
async function started(jmap, content, name) {
  view?.stop();
  delete content.dataset.pane;
  content.className = name;
  const next = name === 'mail' ? new MailView(jmap, content)
    : name === 'calendar' ? new CalendarView(jmap, content)
      : name === 'contacts' ? new ContactsView(jmap, content)
        : name === 'tasks' ? new TasksView(jmap, content) : new SettingsView(jmap, content);
  view = next;
  await next.start();
}

/**
 * The tab list switching views, and `choose`, which selects one as a click would.
 * @param {(name: ViewName) => void} select
 * @returns {{ list: HTMLElement, choose: (name: ViewName) => void }}
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
  const list = h('div', { class: 'views', role: 'tablist', 'aria-label': strings.views.label,
    onkeydown: (ev) => {
      const e = /** @type {KeyboardEvent} */ (ev);
      const i = buttons.findIndex((b) => b.getAttribute('aria-selected') === 'true');
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
      if (to !== undefined) {
        e.preventDefault();
        choose((to + VIEWS.length) % VIEWS.length);
      }
    } }, buttons);
  return { list, choose: (name) => choose(VIEWS.indexOf(name)) };
}

/** @param {string} username */
async function signedIn(username) {
  const jmap = await Jmap.open();
  const content = h('div', { class: 'mail', id: 'view', role: 'tabpanel', 'aria-labelledby': 'tab-mail' });
  const out = h('button', { type: 'button', class: 'logout', onclick: () => {
    logout().then(signedOut, failed);
  } }, [strings.logout]);
  const back = h('button', { type: 'button', class: 'back', hidden: true, onclick: () => view?.panes?.back() },
    [strings.fit.back]);
  // Back is offered (on a phone only: phone.css) when the view's shown pane has one before it;
  // hidden while focused, it hands the focus to the pane shown.
  const showBack = () => {
    const focused = document.activeElement === back;
    back.hidden = !view?.panes?.backTo();
    if (focused && back.hidden) {
      view?.panes?.focus();
    }
  };
  content.addEventListener(PANE_EVENT, showBack);
  /** @param {ViewName} name */
  const select = (name) => { open(jmap, content, name).then(showBack, failed); };
  const switcher = tabs(select);
  content.addEventListener(WRITE_EVENT, (e) => {
    const to = /** @type {CustomEvent<{ name: string, email: string }>} */ (e).detail;
    switcher.choose('mail');
    // The tab's click opened Mail again: compose once it has started (it needs the identity).
    opened.then(() => {
      if (view instanceof MailView) {
        view.startCompose({ ...blank(), to: `${formatAddress({ name: to.name || null, email: to.email })}, ` });
      }
    }, failed);
  });
  root.replaceChildren(
    h('header', { class: 'top', role: 'banner' }, [
      back,
      h('h1', { class: 'brand' }, [strings.appName]),
      switcher.list,
      h('span', { class: 'user' }, [username]),
      out,
    ]),
    h('main', { class: 'app' }, [content]),
  );
  await open(jmap, content, 'mail');
  showBack();
}

window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof Unauthorized) {
    signedOut();
  }
});

currentSession().then((s) => (s ? signedIn(s.username) : signedOut())).catch(failed);
