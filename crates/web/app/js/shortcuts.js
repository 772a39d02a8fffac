// The mail view's keyboard shortcuts as a table (shown by `?`), and which key press is one: none
// while the user types in a field, none with ctrl, cmd or alt (the browser's and the system's).

/**
 * @typedef {'next' | 'previous' | 'open' | 'reply' | 'replyAll' | 'forward' | 'delete' | 'unread'
 *   | 'flag' | 'compose' | 'search' | 'help' | 'select' | 'close'} Action
 */

/** Each action and the keys that do it (`KeyboardEvent.key` values), in the order help lists them. */
/** @type {[Action, string[]][]} */
export const SHORTCUTS = [
  ['next', ['j', 'ArrowDown']],
  ['previous', ['k', 'ArrowUp']],
  ['open', ['Enter', 'o']],
  ['select', ['x']],
  ['reply', ['r']],
  ['replyAll', ['a']],
  ['forward', ['f']],
  ['delete', ['Delete', '#']],
  ['unread', ['u']],
  ['flag', ['s']],
  ['compose', ['c']],
  ['search', ['/']],
  ['help', ['?']],
  ['close', ['Escape']],
];

/** @type {Map<string, Action>} */
const BY_KEY = new Map(SHORTCUTS.flatMap(([action, keys]) => keys.map((k) => /** @type {[string, Action]} */ ([k, action]))));

/** Fields that take typed keys; a button or a check box does not. */
const TYPED_INPUTS = new Set(['text', 'search', 'email', 'password', 'url', 'tel', 'number', 'date',
  'datetime-local', 'time', 'month', 'week']);

/**
 * Whether key presses on this element are typing (a text field, a text area, a select, an
 * editable element), which no shortcut takes.
 * @param {{ tagName?: string, type?: string, isContentEditable?: boolean } | null} target
 */
export function typing(target) {
  if (!target) {
    return false;
  }
  if (target.isContentEditable) {
    return true;
  }
  const tag = (target.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') {
    return true;
  }
  return tag === 'INPUT' && TYPED_INPUTS.has((target.type || 'text').toLowerCase());
}

/**
 * The action of a key press, or null (typing, a modifier held, a key that is none).
 * @param {{ key: string, ctrlKey: boolean, metaKey: boolean, altKey: boolean,
 *   target: { tagName?: string, type?: string, isContentEditable?: boolean } | null }} e
 * @returns {Action | null}
 */
export function actionOf(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) {
    return null;
  }
  // Enter on a button or a link is that button's or link's.
  const tag = (e.target?.tagName ?? '').toUpperCase();
  if (e.key === 'Enter' && (tag === 'BUTTON' || tag === 'A' || tag === 'INPUT' || tag === 'SUMMARY')) {
    return null;
  }
  return BY_KEY.get(e.key) ?? null;
}

