// Attachments on screen: the compose form's files (added by the file picker or dropped on the
// form, each uploaded at once through the session's uploadUrl — RFC 8620 §6.1 — and shown as a
// chip with its name, size, progress and a remove button), and the reading pane's list, each
// file a link to its download (the session's downloadUrl, which the server answers as an
// attachment, `nosniff`: a file is saved, never shown as a page of ours).

import { h } from './dom.js';
import { strings } from './strings.js';
import { formatSize, refusedFile } from './files.js';

const t = strings.attachments;
/** Whether the page ignores files dropped outside a form that takes them. */
let pageGuarded = false;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {import('./files.js').Part} Part
 * @typedef {{ name: string, size: number, part: Part | null, error: string | null,
 *   upload: { done: Promise<unknown>, abort: () => void } | null, chip: HTMLElement }} Chip
 */

/** The compose form's attachments. */
export class AttachmentChips {
  /**
   * @param {Jmap} jmap
   * @param {Part[]} parts what the draft already carries (a forward's, a saved draft's)
   * @param {() => void} onChange a file was added, uploaded or removed
   * @param {(message: string) => void} onRefused a file not taken, and why
   */
  constructor(jmap, parts, onChange, onRefused) {
    this.jmap = jmap;
    this.onChange = onChange;
    this.onRefused = onRefused;
    /** @type {Chip[]} */
    this.chips = [];
    this.list = h('ul', { class: 'attachment-chips', 'aria-label': t.attached });
    this.picker = h('input', { type: 'file', multiple: true, id: 'compose-files', class: 'visually-hidden',
      onchange: () => { this.add([...(this.picker.files ?? [])]); this.picker.value = ''; } });
    this.element = h('div', { class: 'attachments-field' }, [
      h('label', { for: 'compose-files', class: 'attach' }, [t.attach]),
      this.picker,
      this.list,
    ]);
    for (const part of parts) {
      this.chips.push(this.chip(part.name ?? t.unnamed, part.size, part));
    }
    this.draw();
  }

  /**
   * Lets files be dropped on `target` (the whole form); a file dropped elsewhere on the page is
   * ignored rather than opened by the browser in place of the page (the form lost with it).
   * @param {HTMLElement} target
   */
  dropOn(target) {
    if (!pageGuarded) {
      pageGuarded = true;
      for (const kind of ['dragover', 'drop']) {
        window.addEventListener(kind, (e) => {
          if (/** @type {DragEvent} */ (e).dataTransfer?.types.includes('Files')) {
            e.preventDefault();
          }
        });
      }
    }
    target.addEventListener('dragover', (e) => {
      if (e.dataTransfer?.types.includes('Files')) {
        e.preventDefault();
        target.classList.add('dropping');
      }
    });
    target.addEventListener('dragleave', () => target.classList.remove('dropping'));
    target.addEventListener('drop', (e) => {
      target.classList.remove('dropping');
      if (e.dataTransfer?.files.length) {
        e.preventDefault();
        this.add([...e.dataTransfer.files]);
      }
    });
  }

  /**
   * Uploads each file the server takes; a refused one is said and left out.
   * @param {File[]} files
   */
  add(files) {
    for (const file of files) {
      const refused = refusedFile(file, this.jmap.blobs.maxSizeUpload, this.chips.length, t);
      if (refused) {
        this.onRefused(refused);
        continue;
      }
      const c = this.chip(file.name, file.size, null);
      const bar = h('progress', { max: '1', value: '0', 'aria-label': t.uploading(file.name) });
      c.chip.querySelector('.state')?.replaceChildren(bar);
      c.upload = this.jmap.upload(file, (sent) => { bar.value = sent; });
      this.chips.push(c);
      c.upload.done.then((/** @type {any} */ up) => {
        c.part = { blobId: up.blobId, name: file.name, type: up.type || file.type, size: up.size };
        c.upload = null;
        this.state(c);
        this.onChange();
      }, (/** @type {Error} */ e) => {
        c.upload = null;
        c.error = e.message;
        this.state(c);
      });
    }
    this.draw();
  }

  /**
   * @param {string} name
   * @param {number} size
   * @param {Part | null} part
   * @returns {Chip}
   */
  chip(name, size, part) {
    const chip = h('li', { class: 'attachment-chip' }, [
      h('span', { class: 'name' }, [name]),
      h('span', { class: 'size' }, [formatSize(size)]),
      h('span', { class: 'state', role: 'status' }),
      h('button', { type: 'button', class: 'remove', 'aria-label': t.remove(name),
        onclick: () => this.remove(c) }, ['×']),
    ]);
    /** @type {Chip} */
    const c = { name, size, part, error: null, upload: null, chip };
    this.state(c);
    return c;
  }

  /** @param {Chip} c */
  state(c) {
    const state = c.chip.querySelector('.state');
    if (c.error) {
      c.chip.classList.add('failed');
      state?.replaceChildren(t.failed(c.error));
    } else if (c.part) {
      c.chip.classList.add('uploaded');
      state?.replaceChildren(h('span', { class: 'visually-hidden' }, [t.uploaded]));
    }
  }

  /** @param {Chip} c */
  remove(c) {
    c.upload?.abort();
    this.chips = this.chips.filter((x) => x !== c);
    this.draw();
    if (c.part) {
      this.onChange();
    }
  }

  draw() {
    this.list.replaceChildren(...this.chips.map((c) => c.chip));
  }

  /** The uploaded files, for the message. @returns {Part[]} */
  parts() {
    return this.chips.flatMap((c) => (c.part ? [c.part] : []));
  }

  /**
   * Waits for the uploads still running; the reason the message cannot go as it is, or null.
   * @returns {Promise<string | null>}
   */
  async settled() {
    await Promise.all(this.chips.map((c) => c.upload?.done.catch(() => null)));
    const failed = this.chips.filter((c) => c.error);
    return failed.length ? t.notUploaded(failed.map((c) => c.name).join(', ')) : null;
  }

  /** Stops the uploads still running (the form closed). */
  abort() {
    for (const c of this.chips) {
      c.upload?.abort();
    }
  }
}

/**
 * The reading pane's list of a message's attachments: name (a download link), type and size.
 * @param {Jmap} jmap
 * @param {Part[]} parts
 * @returns {HTMLElement | null}
 */
export function attachmentList(jmap, parts) {
  if (!parts.length) {
    return null;
  }
  return h('section', { class: 'attachments', 'aria-label': t.attachments(parts.length) }, [
    h('h3', {}, [t.attachments(parts.length)]),
    h('ul', {}, parts.map((p) => {
      const name = p.name || t.unnamed;
      const type = p.type || 'application/octet-stream';
      return h('li', { class: 'attachment' }, [
        h('a', { href: jmap.downloadUrl(p.blobId, name, type), download: name, class: 'download' }, [name]),
        h('span', { class: 'type' }, [type]),
        h('span', { class: 'size' }, [formatSize(p.size)]),
      ]);
    })),
  ]);
}
