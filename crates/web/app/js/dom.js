// A small helper to build elements without HTML strings: text is always set as text.

/**
 * @typedef {string | number | boolean | null | undefined | EventListener} AttrValue
 * @typedef {Node | string | null | undefined | false} Child
 */

/**
 * An element with attributes (`on…` keys add listeners, booleans toggle) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue>} [attrs]
 * @param {Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, ''), value);
    } else if (typeof value === 'boolean') {
      el.toggleAttribute(name, value);
    } else if (value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      el.append(child);
    }
  }
  return el;
}

/**
 * The element of this id, which the page must have.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) {
    throw new Error(`no element #${id}`);
  }
  return el;
}
