// The login form: POSTed to /web/login by fetch (the form itself works as a form, but a page
// without this module has nothing to show after it).

import { h } from './dom.js';
import { strings } from './strings.js';
import { login } from './api.js';

const t = strings.login;

/** @type {Record<string, string>} */
const ERRORS = { failed: t.failed, throttled: t.throttled, 'https-required': t.httpsRequired };

/**
 * Draws the form into `root`; `onLogin` runs once logged in.
 * @param {HTMLElement} root
 * @param {(username: string) => void} onLogin
 */
export function showLogin(root, onLogin) {
  const username = h('input', { id: 'username', name: 'username', type: 'email', autocomplete: 'username',
    required: true, autofocus: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, [t.submit]);
  const form = h('form', { class: 'login', method: 'post', action: '/web/login', 'aria-labelledby': 'login-title' }, [
    h('h1', { id: 'login-title' }, [t.title]),
    h('label', { for: 'username' }, [t.username]), username,
    h('label', { for: 'password' }, [t.password]), password,
    submit, error,
  ]);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    login(username.value, password.value).then((answer) => {
      submit.disabled = false;
      if (answer.session) {
        onLogin(answer.session.username);
      } else {
        error.textContent = ERRORS[answer.error ?? ''] ?? t.error;
        password.value = '';
        password.focus();
      }
    }, () => {
      submit.disabled = false;
      error.textContent = strings.offline;
    });
  });
  root.replaceChildren(h('main', { class: 'login-page' }, [form]));
  username.focus();
}
