// The search box's words as an Email/query filter (RFC 8621 §4.4.1): `from:`, `to:` and
// `subject:` name a field (a value in double quotes may hold spaces), every other word goes to
// `text` (anywhere in the headers or the body); the form's dates (days in the browser's time
// zone, both included) give `after` and `before`, its checkbox `hasAttachment`. No DOM.

/** The longest query read (characters). */
const MAX_QUERY = 1000;
const FIELDS = ['from', 'to', 'subject'];

/**
 * @typedef {{ from?: string, to?: string, subject?: string, text?: string, after?: string,
 *   before?: string, hasAttachment?: boolean }} Filter
 * @typedef {{ from?: string, until?: string, hasAttachment?: boolean }} Options the form's
 *   days (`YYYY-MM-DD`, as a date input gives them) and checkbox
 */

/**
 * The start of a day in the browser's time zone, `days` later, as a UTCDate (RFC 8620 §1.4);
 * null for what is not a date.
 * @param {string | undefined} day `YYYY-MM-DD`
 * @param {number} days
 * @returns {string | null}
 */
export function dayStart(day, days = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? '');
  if (!m) {
    return null;
  }
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return Number.isNaN(at.getTime()) ? null : at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The filter of what the user typed and chose; null when it asks for nothing.
 * @param {string} query
 * @param {Options} [options]
 * @returns {Filter | null}
 */
export function searchFilter(query, options = {}) {
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
  /** @type {Filter} */
  const chosen = filter;
  const after = dayStart(options.from);
  // The last day included: before the start of the next one.
  const before = dayStart(options.until, 1);
  if (after) {
    chosen.after = after;
  }
  if (before) {
    chosen.before = before;
  }
  if (options.hasAttachment) {
    chosen.hasAttachment = true;
  }
  return Object.keys(chosen).length ? chosen : null;
}
