// Wall-clock times in a named time zone (IANA, as JSCalendar's `timeZone`), pure (no DOM;
// tested under node:test): the page shows everything in the browser's zone, but an event keeps
// its own zone, and its `start`, an override's recurrence id and its patched `start` are
// LocalDateTimes in that zone (RFC 8984 §1.4.4, §4.3.5). Intl knows the zones' rules; a zone
// it does not know reads as the browser's.

/** The browser's zone (IANA name). */
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Formatters by zone; a page sees a handful of zones. @type {Map<string, Intl.DateTimeFormat>} */
const formatters = new Map();
const MAX_FORMATTERS = 64;

/**
 * The formatter of `zone`'s wall clock, or null when Intl does not know the zone.
 * @param {string} zone
 */
function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
        day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    } catch {
      return null;
    }
    if (formatters.size >= MAX_FORMATTERS) {
      formatters.clear();
    }
    formatters.set(zone, f);
  }
  return f;
}

/** @param {number} n */
function pad(n) {
  return String(n).padStart(2, '0');
}

/**
 * The wall-clock time of the instant `d` in `zone` as a LocalDateTime (`2026-12-07T09:30:00`);
 * without a zone (or one Intl does not know), in the browser's.
 * @param {Date} d
 * @param {string | null | undefined} zone
 */
export function wallTime(d, zone) {
  const f = zone ? formatter(zone) : null;
  if (!f) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  /** @type {Record<string, string>} */
  const p = {};
  for (const part of f.formatToParts(d)) {
    p[part.type] = part.value;
  }
  return `${p.year}-${p.month}-${p.day}T${p.hour === '24' ? '00' : p.hour}:${p.minute}:${p.second}`;
}

/**
 * The fields of a LocalDateTime, or null when it is not one.
 * @param {string} local
 */
function fields(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(local);
  return m ? m.slice(1).map(Number) : null;
}

/**
 * The instant whose wall-clock time in `zone` is `local` (a LocalDateTime); without a zone (or
 * one Intl does not know), in the browser's. A time a spring-forward skips is read with the
 * offset before it (as RFC 5545 §3.3.5 says), one an autumn repeats as its first. Null when
 * `local` is no LocalDateTime.
 * @param {string} local
 * @param {string | null | undefined} zone
 * @returns {Date | null}
 */
export function instant(local, zone) {
  const f = fields(local);
  if (!f) {
    return null;
  }
  const [y, mo, d, h, mi, s] = f;
  if (!zone || !formatter(zone)) {
    return new Date(y, mo - 1, d, h, mi, s);
  }
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // The zone's offset at an instant: its wall clock there read as if it were UTC, minus it.
  const offset = (/** @type {number} */ t) => {
    const w = fields(wallTime(new Date(t), zone));
    return w ? Date.UTC(w[0], w[1] - 1, w[2], w[3], w[4], w[5]) - t : 0;
  };
  const before = offset(asUtc - 86400e3);
  const after = offset(asUtc + 86400e3);
  // The earlier reading first (the offset before a change), then the later.
  for (const o of before >= after ? [before, after] : [after, before]) {
    const t = asUtc - o;
    if (offset(t) === o) {
      return new Date(t);
    }
  }
  return new Date(asUtc - before);
}
