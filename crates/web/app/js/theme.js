// The colour theme. The user chooses `system` (the default: the system's prefers-color-scheme,
// followed as it changes), `light` or `dark`; the choice is kept in localStorage and the theme
// it resolves to is set on the root element as `data-theme`, which app.css's palettes read.
// main.js — loaded render-blocking (index.html's `blocking="render"`), since the page's policy
// forbids an inline script — applies it before anything else, so the first frame already has
// the right colours. The choice's parsing and resolution are pure (tested under node:test).

/** @typedef {'system' | 'light' | 'dark'} ThemeChoice */
/** @typedef {'light' | 'dark'} Theme */

/** @type {readonly ThemeChoice[]} */
export const THEME_CHOICES = ['system', 'light', 'dark'];
export const THEME_KEY = 'relais.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

/**
 * A stored value as a choice: anything but `light` or `dark` (nothing stored, garbage) is
 * `system`.
 * @param {unknown} stored
 * @returns {ThemeChoice}
 */
export function parseChoice(stored) {
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

/**
 * The theme a choice gives when the system prefers dark (`systemDark`) or not.
 * @param {ThemeChoice} choice
 * @param {boolean} systemDark
 * @returns {Theme}
 */
export function resolveTheme(choice, systemDark) {
  if (choice === 'system') {
    return systemDark ? 'dark' : 'light';
  }
  return choice;
}

/**
 * The choice kept in `storage` (`system` when storage refuses to be read: private modes).
 * @param {Pick<Storage, 'getItem'> | undefined} storage
 * @returns {ThemeChoice}
 */
export function storedChoice(storage) {
  try {
    return parseChoice(storage?.getItem(THEME_KEY));
  } catch {
    return 'system';
  }
}

/**
 * Keeps a choice in `storage` (`system` is kept as no entry); false when storage refused it.
 * @param {Pick<Storage, 'setItem' | 'removeItem'> | undefined} storage
 * @param {ThemeChoice} choice
 */
export function keepChoice(storage, choice) {
  try {
    if (choice === 'system') {
      storage?.removeItem(THEME_KEY);
    } else {
      storage?.setItem(THEME_KEY, choice);
    }
    return Boolean(storage);
  } catch {
    return false;
  }
}

/** The page's choice while it is open. @type {ThemeChoice} */
let choice = 'system';
/** @type {MediaQueryList | null} */
let media = null;

function apply() {
  document.documentElement.dataset.theme = resolveTheme(choice, media?.matches ?? false);
}

/** Applies the stored choice and follows the system's preference from now on (once). */
export function startTheme() {
  if (!media) {
    media = window.matchMedia(DARK_QUERY);
    media.addEventListener('change', apply);
  }
  choice = storedChoice(globalThis.localStorage);
  apply();
}

/** The choice in force. */
export function currentChoice() {
  return choice;
}

/**
 * The user chose a theme: applied at once and kept for the next visits (when storage allows).
 * @param {ThemeChoice} next
 * @returns {boolean} whether it was kept
 */
export function chooseTheme(next) {
  choice = parseChoice(next);
  apply();
  return keepChoice(globalThis.localStorage, choice);
}
