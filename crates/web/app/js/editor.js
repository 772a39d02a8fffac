// The rich-text editor of the compose form (and of Settings' HTML signature): a contenteditable
// area under a toolbar (ARIA toolbar: one tab stop, arrow keys between the buttons; pressed state
// follows the selection) — bold, italic, underline (also Ctrl+B/I/U), bulleted and numbered
// lists, link, quote, clear formatting — by the browser's editing commands. What is pasted or
// dropped in is never inserted as given: its HTML is parsed inert (DOMParser) and written again
// by richtext.js's cleanHtml first; what the editor holds is read out through cleanHtml too.

import { h } from './dom.js';
import { strings } from './strings.js';
import { cleanHtml, escapeHtml, htmlToText } from './richtext.js';

const t = strings.editor;
const LINK = /^(https?:\/\/|mailto:)[^\s<>"]+$/i;

/**
 * @typedef {{ name: string, label: string, run: () => void, state?: string, key?: string }} Tool
 */

/**
 * Clean HTML (richtext.js) of an HTML text parsed inert.
 * @param {string} html
 */
export function cleaned(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return cleanHtml(/** @type {any} */ (doc.body));
}

/**
 * The text/plain form (richtext.js) of an HTML text parsed inert.
 * @param {string} html
 */
export function textOfHtml(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return htmlToText(/** @type {any} */ (doc.body));
}

/** Where the format new messages are written in is kept (per browser). */
export const FORMAT_KEY = 'relais.composeFormat';

/** Whether the user writes new messages as rich text. */
export function prefersRich() {
  try {
    return globalThis.localStorage?.getItem(FORMAT_KEY) === 'rich';
  } catch {
    return false;
  }
}

/**
 * Runs an editing command on the selection.
 * @param {string} command
 * @param {string} [value]
 */
function exec(command, value) {
  document.execCommand(command, false, value);
}

export class Editor {
  /**
   * @param {string} id the editable area's id
   * @param {string} label its accessible name
   * @param {() => void} onChange called after each change
   */
  constructor(id, label, onChange) {
    this.onChange = onChange;
    this.area = h('div', { id, class: 'rich-body', contenteditable: 'true', role: 'textbox',
      'aria-multiline': 'true', 'aria-label': label, spellcheck: 'true',
      oninput: () => onChange(),
      onkeydown: (e) => this.onKey(/** @type {KeyboardEvent} */ (e)),
      onpaste: (e) => this.onPaste(/** @type {ClipboardEvent} */ (e)),
      ondrop: (e) => this.onDrop(/** @type {DragEvent} */ (e)) });
    /** @type {Tool[]} */
    this.tools = [
      { name: 'bold', label: t.bold, run: () => exec('bold'), state: 'bold', key: 'b' },
      { name: 'italic', label: t.italic, run: () => exec('italic'), state: 'italic', key: 'i' },
      { name: 'underline', label: t.underline, run: () => exec('underline'), state: 'underline', key: 'u' },
      { name: 'bullets', label: t.bullets, run: () => exec('insertUnorderedList'), state: 'insertUnorderedList' },
      { name: 'numbers', label: t.numbers, run: () => exec('insertOrderedList'), state: 'insertOrderedList' },
      { name: 'link', label: t.link, run: () => this.link() },
      { name: 'quote', label: t.quote, run: () => this.quote() },
      { name: 'clear', label: t.clear, run: () => { exec('removeFormat'); exec('unlink'); } },
    ];
    this.buttons = this.tools.map((tool, i) => h('button', { type: 'button', class: `tool tool-${tool.name}`,
      title: tool.key ? `${tool.label} (Ctrl+${tool.key.toUpperCase()})` : tool.label, 'aria-label': tool.label,
      'aria-pressed': tool.state ? 'false' : null, tabindex: i === 0 ? '0' : '-1',
      // The selection stays in the text while a button is pressed.
      onmousedown: (e) => e.preventDefault(),
      onclick: () => this.apply(tool) }, [h('span', { 'aria-hidden': 'true' }, [tool.label])]));
    this.toolbar = h('div', { class: 'rich-toolbar', role: 'toolbar', 'aria-label': t.toolbar, 'aria-controls': id,
      onkeydown: (e) => this.onToolbarKey(/** @type {KeyboardEvent} */ (e)) }, this.buttons);
    this.element = h('div', { class: 'rich-editor' }, [this.toolbar, this.area]);
    this.track = () => {
      if (this.area.isConnected) {
        this.showState();
      } else if (!this.element.isConnected && this.seen) {
        this.stop(); // its page went (Settings left)
      }
      this.seen ||= this.element.isConnected;
    };
    this.seen = false;
    document.addEventListener('selectionchange', this.track);
  }

  /** The editor is gone: it stops following the selection. */
  stop() {
    document.removeEventListener('selectionchange', this.track);
  }

  /** @param {string} html shown in the editor, cleaned first */
  setHtml(html) {
    const doc = new DOMParser().parseFromString(cleaned(html), 'text/html');
    this.area.replaceChildren(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
  }

  /** What the editor holds as clean HTML. */
  html() {
    return cleanHtml(/** @type {any} */ (this.area));
  }

  /** What the editor holds as plain text. */
  text() {
    return htmlToText(/** @type {any} */ (this.area));
  }

  /** Puts the cursor at the start of the text. */
  focus() {
    this.area.focus();
    const range = document.createRange();
    range.setStart(this.area, 0);
    range.collapse(true);
    const selection = document.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  }

  /** @param {Tool} tool */
  apply(tool) {
    if (!this.inside()) {
      this.area.focus();
    }
    // Formatting as elements (<b>, <i>, <u>), not as inline styles, which cleanHtml drops.
    exec('styleWithCSS', 'false');
    tool.run();
    this.showState();
    this.onChange();
  }

  /** Whether the selection is in the editable area. */
  inside() {
    const node = document.getSelection()?.anchorNode;
    return Boolean(node && this.area.contains(node));
  }

  /** The toolbar's buttons pressed as the selection is formatted. */
  showState() {
    if (!this.inside()) {
      return;
    }
    this.tools.forEach((tool, i) => {
      if (tool.state) {
        this.buttons[i].setAttribute('aria-pressed', String(document.queryCommandState(tool.state)));
      }
    });
  }

  /** A link on the selection (or the address itself, as a link, where nothing is selected). */
  link() {
    const address = (window.prompt(t.linkPrompt, 'https://') ?? '').trim();
    if (!address || address === 'https://') {
      return;
    }
    if (!LINK.test(address)) {
      window.alert(t.badLink);
      return;
    }
    if (document.getSelection()?.isCollapsed) {
      const shown = escapeHtml(address.replace(/^mailto:/i, ''));
      exec('insertHTML', cleaned(`<a href="${escapeHtml(address)}">${shown}</a>`));
    } else {
      exec('createLink', address);
    }
  }

  /** The selection's blocks quoted, or no longer quoted when they are. */
  quote() {
    const node = document.getSelection()?.anchorNode;
    const el = node instanceof Element ? node : node?.parentElement;
    const quote = el?.closest('blockquote');
    if (quote && this.area.contains(quote)) {
      exec('outdent');
    } else {
      exec('formatBlock', 'blockquote');
    }
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) {
      return;
    }
    const tool = this.tools.find((x) => x.key === e.key.toLowerCase());
    if (tool) {
      e.preventDefault();
      this.apply(tool);
    }
  }

  /** ARIA toolbar: Left/Right (and Home/End) move between the buttons. @param {KeyboardEvent} e */
  onToolbarKey(e) {
    const i = this.buttons.findIndex((b) => b === document.activeElement);
    const last = this.buttons.length - 1;
    const to = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last }[e.key];
    if (i < 0 || to === undefined) {
      return;
    }
    e.preventDefault();
    this.buttons.forEach((b, j) => { b.tabIndex = j === to ? 0 : -1; });
    this.buttons[to].focus();
  }

  /**
   * Inserts what was pasted or dropped: its HTML cleaned, else its text.
   * @param {DataTransfer} data
   */
  insert(data) {
    const html = data.getData('text/html');
    if (html) {
      exec('insertHTML', cleaned(html));
    } else {
      exec('insertText', data.getData('text/plain'));
    }
    this.onChange();
  }

  /** @param {ClipboardEvent} e */
  onPaste(e) {
    if (e.clipboardData) {
      e.preventDefault();
      this.insert(e.clipboardData);
    }
  }

  /** Files dropped go on to the form (attachments); text and HTML are inserted cleaned. @param {DragEvent} e */
  onDrop(e) {
    const data = e.dataTransfer;
    if (data && !data.types.includes('Files')) {
      e.preventDefault();
      e.stopPropagation();
      this.insert(data);
    }
  }
}
