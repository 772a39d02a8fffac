// Quoted text of a plain-text message, found so that the reading pane can fold it: runs of
// lines that start with `>` (RFC 3676 §4.5 quote depth, and the older habit it describes),
// with the "On …, … wrote:" line just above such a run. No DOM.

/** The most lines looked at; past them the text is one unfolded segment. */
const MAX_LINES = 100_000;
/** An attribution line: "On <date>, <name> wrote:" and its like. */
const WROTE = /(\bwrote|\bschrieb\b.*|\ba écrit\s*):\s*$/i;

/**
 * @typedef {{ quoted: boolean, text: string }} Segment
 */

/**
 * The text cut into quoted and unquoted segments, in order; joined, they are the text again.
 * Only a text with something unquoted has quoted segments (a message that is all quote is
 * shown whole).
 * @param {string} text
 * @returns {Segment[]}
 */
export function foldQuotes(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > MAX_LINES) {
    return [{ quoted: false, text }];
  }
  const quoted = lines.map((l) => l.startsWith('>'));
  // The attribution above a quote (blank lines between allowed) goes with it.
  for (let i = 0; i < lines.length; i++) {
    if (quoted[i] && (i === 0 || !quoted[i - 1])) {
      let j = i - 1;
      while (j >= 0 && lines[j].trim() === '') {
        j--;
      }
      if (j >= 0 && WROTE.test(lines[j])) {
        for (let k = j; k < i; k++) {
          quoted[k] = true;
        }
      }
    }
  }
  const own = lines.some((l, i) => !quoted[i] && l.trim() !== '');
  if (!own || !quoted.includes(true)) {
    return [{ quoted: false, text: lines.join('\n') }];
  }
  /** @type {Segment[]} */
  const segments = [];
  lines.forEach((line, i) => {
    const last = segments[segments.length - 1];
    if (last && last.quoted === quoted[i]) {
      last.text += `\n${line}`;
    } else {
      segments.push({ quoted: quoted[i], text: segments.length ? `\n${line}` : line });
    }
  });
  return segments;
}

/** Elements of a message's HTML that hold quoted text (mail clients' own markers). */
export const HTML_QUOTES = 'blockquote, .gmail_quote, .moz-cite-prefix, .yahoo_quoted, .protonmail_quote';
