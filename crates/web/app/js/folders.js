// The folder tree as the folder list draws it: each folder after its parent, children in the
// parent's order (Inbox first, then by sortOrder and name), with its depth and its parent's
// name. A folder whose parent the account does not show (a shared one's) is a root. Pure: no
// DOM, so node:test runs it.

/**
 * @typedef {{ id: string, name: string, role: string | null, parentId: string | null, sortOrder: number }} Node
 */

/** The deepest level drawn indented; deeper folders are drawn at it (their path is named). */
export const MAX_DEPTH = 6;

/**
 * @template {Node} T
 * @param {T[]} list
 * @returns {{ mailbox: T, depth: number, parent: string | null }[]}
 */
export function folderTree(list) {
  const ids = new Set(list.map((m) => m.id));
  /** @type {Map<string | null, T[]>} */
  const children = new Map();
  for (const m of list) {
    const parent = m.parentId !== null && ids.has(m.parentId) && m.parentId !== m.id ? m.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), m]);
  }
  const order = (/** @type {T} */ a, /** @type {T} */ b) => (a.role === 'inbox' ? -1 : b.role === 'inbox' ? 1 : 0)
    || a.sortOrder - b.sortOrder || a.name.localeCompare(b.name);
  /** @type {{ mailbox: T, depth: number, parent: string | null }[]} */
  const out = [];
  const seen = new Set();
  // Iterative, so that a cycle or a very deep tree cannot exhaust the stack.
  /** @type {{ mailbox: T, depth: number, parent: string | null }[]} */
  const stack = [...(children.get(null) ?? [])].sort(order).reverse().map((m) => ({ mailbox: m, depth: 0, parent: null }));
  while (stack.length > 0) {
    const top = /** @type {{ mailbox: T, depth: number, parent: string | null }} */ (stack.pop());
    if (seen.has(top.mailbox.id)) {
      continue;
    }
    seen.add(top.mailbox.id);
    out.push(top);
    const kids = [...(children.get(top.mailbox.id) ?? [])].sort(order).reverse();
    for (const k of kids) {
      stack.push({ mailbox: k, depth: Math.min(top.depth + 1, MAX_DEPTH), parent: top.mailbox.name });
    }
  }
  // Folders in a cycle of parents (which a server should never send) still show, as roots.
  for (const m of list) {
    if (!seen.has(m.id)) {
      out.push({ mailbox: m, depth: 0, parent: null });
    }
  }
  return out;
}
