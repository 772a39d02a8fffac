// The search box's words as an Email/query filter (RFC 8621 §4.4.1): `from:`, `to:` and
// `subject:` name a field (a value in double quotes may hold spaces), every other word goes to
// `text` (anywhere in the headers or the body). No DOM.

/** The longest query read (characters). */
const MAX_QUERY = 1000;
const FIELDS = ['from', 'to', 'subject'];

/**
 * @typedef {{ from?: string, to?: string, subject?: string, text?: string }} Filter
 */

/**
 * The filter of what the user typed; null when it asks for nothing.
 * @param {string} query
 * @returns {Filter | null}
 */
export function searchFilter(query) {
  /** @type {Record<string, string[]>} */
  const terms = { from: [], to: [], subject: [], text: [] };
  const word = /(?:(\w+):)?(?:"([^"]*)"?|(\S*))/g;
  for (const m of query.slice(0, MAX_QUERY).matchAll(word)) {
    const field = m[1]?.toLowerCase();
    const value = (m[2] ?? m[3] ?? '').trim();
    if (field && FIELDS.includes(field)) {
      if (value) {
        terms[field].push(value);
      }
    } else {
      const whole = m[1] ? `${m[1]}:${value}` : value;
      if (whole) {
        terms.text.push(whole);
      }
    }
  }
  /** @type {Record<string, string>} */
  const filter = {};
  for (const [field, values] of Object.entries(terms)) {
    if (values.length) {
      filter[field] = values.join(' ');
    }
  }
  return Object.keys(filter).length ? /** @type {Filter} */ (filter) : null;
}
