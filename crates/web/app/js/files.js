// Attachments as JMAP sees them (RFC 8621 §4.1.4 EmailBodyPart): their sizes for people, the
// parts an Email/set create attaches by blobId (§4.6), and a message's inline images by
// Content-ID (RFC 2392 `cid:` URLs). No DOM.

/** The most files one message carries. */
export const MAX_ATTACHMENTS = 100;

/**
 * @typedef {{ blobId: string, name: string | null, type: string, size: number,
 *   cid?: string | null, disposition?: string | null, partId?: string | null }} Part
 */

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/**
 * A size as people read it: bytes below 1 KB, else one decimal below 10 of a unit (1 KB is
 * 1024 bytes, as file managers count).
 * @param {number} bytes
 */
export function formatSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  if (bytes < 1024) {
    return `${Math.round(bytes)} B`;
  }
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? (Math.floor(value * 10) / 10).toFixed(1) : String(Math.floor(value));
  return `${shown} ${UNITS[unit]}`;
}

/**
 * The parts for Email/set create's `attachments`: each by its blob, as an attachment (a
 * forwarded message's inline images too: the HTML quoted in a forward keeps no `cid:` image).
 * @param {Part[]} parts
 */
export function attachmentsFor(parts) {
  return parts.map((p) => ({ blobId: p.blobId, type: p.type || 'application/octet-stream',
    name: p.name || null, disposition: 'attachment' }));
}

/**
 * A Content-ID as `cid:` URLs name it: without the angle brackets, %-escapes decoded (RFC 2392
 * §2), compared without case.
 * @param {string} id
 */
export function contentId(id) {
  let bare = id.trim().replace(/^cid:/i, '').replace(/^<(.*)>$/, '$1');
  try {
    bare = decodeURIComponent(bare);
  } catch {
    // A lone `%` is the character itself.
  }
  return bare.toLowerCase();
}

/**
 * The message's images that its HTML may show inline, by Content-ID.
 * @param {Part[] | null | undefined} parts
 * @returns {Map<string, Part>}
 */
export function inlineImages(parts) {
  const found = new Map();
  for (const p of parts ?? []) {
    if (p.cid && /^image\//i.test(p.type) && p.blobId) {
      found.set(contentId(p.cid), p);
    }
  }
  return found;
}

/**
 * Why a file may not be attached, or null: larger than the server takes (`maxSizeUpload`,
 * RFC 8620 §2), empty of a name, or one too many.
 * @param {{ name: string, size: number }} file
 * @param {number} maxSize 0 when the server names none
 * @param {number} count files already attached
 * @param {{ tooLarge: (name: string, size: string, max: string) => string, tooMany: (n: number) => string }} say
 */
export function refusedFile(file, maxSize, count, say) {
  if (count >= MAX_ATTACHMENTS) {
    return say.tooMany(MAX_ATTACHMENTS);
  }
  if (maxSize > 0 && file.size > maxSize) {
    const [size, max] = [formatSize(file.size), formatSize(maxSize)];
    // Just over the bound, both round alike: then in bytes.
    return size === max ? say.tooLarge(file.name, `${file.size} B`, `${maxSize} B`) : say.tooLarge(file.name, size, max);
  }
  return null;
}
