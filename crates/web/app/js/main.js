// The web client's entry point: the login form without a session, else the mail view.

import { h, byId } from './dom.js';
import { strings } from './strings.js';
import { currentSession, logout, Jmap, Unauthorized } from './api.js';
import { showLogin } from './login.js';
import { MailView } from './mail.js';

const root = byId('root');
/** @type {MailView | null} */
let view = null;

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

/** @param {string} username */
async function signedIn(username) {
  const jmap = await Jmap.open();
  const content = h('div', { class: 'mail' });
  const out = h('button', { type: 'button', class: 'logout', onclick: () => {
    logout().then(signedOut, failed);
  } }, [strings.logout]);
  root.replaceChildren(
    h('header', { class: 'top', role: 'banner' }, [
      h('span', { class: 'brand' }, [strings.appName]),
      h('span', { class: 'user' }, [username]),
      out,
    ]),
    h('main', { class: 'app' }, [content]),
  );
  view = new MailView(jmap, content);
  await view.start();
}

window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof Unauthorized) {
    signedOut();
  }
});

currentSession().then((s) => (s ? signedIn(s.username) : signedOut())).catch(failed);
