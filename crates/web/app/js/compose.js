// The compose form on JMAP (RFC 8621): the draft is saved to Drafts (Email/set create with
// `$draft`) a moment after the user stops typing, each save replacing the one before (created
// and the previous destroyed in one Email/set); Send creates the final message and submits it
// in one request (Email/set create, then EmailSubmission/set whose onSuccessUpdateEmail moves
// it from Drafts to Sent and clears `$draft`, §7.5). Saves and the send run one at a time.
// Files are attached by blobId (attachments.js uploads them as they are added); the send waits
// for the uploads still running.
//
// The text is plain (a textarea) or rich (editor.js; the switch converts between the two): rich
// text goes as multipart/alternative, its HTML cleaned (richtext.js) and the text/plain form
// derived from it (htmlBody + textBody, §4.6). The signature (the identity's, §6) is put above
// what a new message, a reply or a forward starts with. With a delay set (undo.js), the
// submission's envelope asks the server to hold the message (RFC 4865 HOLDFOR) and the form
// closes as `held`, with what sendbar.js needs to take it back.

import { h } from './dom.js';
import { strings, locale } from './strings.js';
import { parseAddresses, signedHtml, signedText, MAX_TEXT } from './draft.js';
import { Editor, cleaned, prefersRich, textOfHtml } from './editor.js';
import { textToHtml } from './richtext.js';
import { AttachmentChips } from './attachments.js';
import { attachmentsFor } from './files.js';
import { Directory, attachCompletion } from './people.js';

const t = strings.compose;
/** How long after the last keystroke the draft is saved. */
const SAVE_AFTER_MS = 1500;

/**
 * @typedef {import('./api.js').Jmap} Jmap
 * @typedef {import('./draft.js').Draft} Draft
 * @typedef {import('./draft.js').Address} Address
 * @typedef {{ id: string, email: string, name: string, textSignature?: string | null,
 *   htmlSignature?: string | null }} Identity
 * @typedef {{ drafts: string | null, sent: string | null, identity: Identity, hold: number }} Where
 *   `hold`: seconds the server holds a message sent (0: sent at once)
 * @typedef {'sent' | 'held' | 'kept' | 'discarded' | 'closed'} Outcome what became of the message
 * @typedef {import('./sendbar.js').Held} Held
 */

/**
 * The reason a create or a submission was refused, for the user.
 * @param {Record<string, any> | undefined} error a SetError
 */
function refusal(error) {
  if (!error) {
    return t.failed;
  }
  const known = /** @type {Record<string, string>} */ (t.errors)[String(error.type)];
  const detail = Array.isArray(error.properties) && error.properties.length ? ` (${error.properties.join(', ')})` : '';
  return `${known ?? `${t.failed} ${String(error.description ?? error.type)}`}${detail}`;
}

export class Compose {
  /**
   * @param {Jmap} jmap
   * @param {Where} where the account's Drafts and Sent, and the identity sending
   * @param {Draft} draft what the form starts with
   * @param {(outcome: Outcome) => void} onClose called once the form is done
   * @param {string | null} [savedId] the draft in Drafts this one goes on with (replaced at the
   *   first save)
   */
  constructor(jmap, where, draft, onClose, savedId = null) {
    this.jmap = jmap;
    this.where = where;
    this.draft = draft;
    this.onClose = onClose;
    /** The saved draft's id, replaced at each save. @type {string | null} */
    this.draftId = savedId;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    /** Saves and the send, one after the other. @type {Promise<void>} */
    this.queue = Promise.resolve();
    this.closed = false;
    const field = (/** @type {string} */ name, /** @type {string} */ label, /** @type {string} */ value) => {
      const input = h('input', { type: 'text', name, id: `compose-${name}`, value, autocomplete: 'off',
        maxlength: String(MAX_TEXT), oninput: () => this.changed() });
      return { input, row: h('div', { class: 'field' }, [h('label', { for: `compose-${name}` }, [label]), input]) };
    };
    this.to = field('to', t.to, draft.to);
    this.cc = field('cc', t.cc, draft.cc);
    this.bcc = field('bcc', t.bcc, draft.bcc);
    // Recipients completed from the address list and contacts (people.js).
    const people = new Directory(jmap);
    [this.to, this.cc, this.bcc].forEach((f) => attachCompletion(f.input, people));
    this.subject = field('subject', t.subject, draft.subject);
    this.body = h('textarea', { name: 'body', id: 'compose-body', 'aria-label': t.body, rows: '16',
      maxlength: String(MAX_TEXT), oninput: () => this.changed() });
    this.editor = new Editor('compose-rich', t.body, () => this.changed());
    this.rich = h('input', { type: 'checkbox', id: 'compose-rich-on', class: 'rich-switch', title: t.richHint,
      onchange: () => this.setRich(this.rich.checked) });
    this.fill(draft);
    /** The message sent and held, once it is (for Undo). @type {Held | null} */
    this.held = null;
    this.files = new AttachmentChips(jmap, draft.attachments, () => this.changed(),
      (message) => { this.error.textContent = message; });
    this.saved = h('p', { class: 'saved', role: 'status' });
    this.error = h('p', { class: 'error', role: 'alert' });
    this.sendButton = h('button', { type: 'submit', class: 'send' }, [t.send]);
    this.element = h('form', { class: 'compose', 'aria-label': t.title,
      onsubmit: (e) => { e.preventDefault(); this.send(); },
      onkeydown: (e) => {
        const key = /** @type {KeyboardEvent} */ (e);
        if (key.key === 'Enter' && (key.ctrlKey || key.metaKey)) {
          key.preventDefault();
          this.send();
        }
      } }, [
      h('h2', {}, [t.title]),
      this.to.row, this.cc.row, this.bcc.row, this.subject.row,
      h('div', { class: 'field check rich-toggle' }, [this.rich, h('label', { for: 'compose-rich-on' }, [t.richText])]),
      this.body, this.editor.element, this.files.element,
      h('div', { class: 'actions', role: 'toolbar' }, [
        this.sendButton,
        h('button', { type: 'button', class: 'discard', onclick: () => this.discard() }, [t.discard]),
        h('button', { type: 'button', class: 'close', onclick: () => this.close() }, [t.close]),
      ]),
      this.saved, this.error,
    ]);
    this.files.dropOn(this.element);
  }

  /**
   * The body the form starts with: rich when the draft has HTML or the user writes rich text,
   * signed when it is new, a reply or a forward.
   * @param {Draft} draft
   */
  fill(draft) {
    const id = this.where.identity;
    const rich = draft.html !== null || prefersRich();
    const sign = draft.sign;
    const textSig = id.textSignature || (id.htmlSignature ? textOfHtml(id.htmlSignature) : '');
    this.body.value = sign ? signedText(draft.body, textSig) : draft.body;
    if (rich) {
      const htmlSig = id.htmlSignature ? cleaned(id.htmlSignature) : textToHtml(id.textSignature ?? '');
      const html = draft.html ?? textToHtml(draft.body);
      this.editor.setHtml(sign && (id.htmlSignature || id.textSignature) ? signedHtml(html, htmlSig) : html);
    }
    this.rich.checked = rich;
    this.showMode();
  }

  /** The textarea or the editor, as the switch says. */
  showMode() {
    const rich = this.rich.checked;
    this.body.hidden = rich;
    this.editor.element.hidden = !rich;
    // The one shown is the message's text; the other has no name while it is hidden.
    const [shown, other] = rich ? [this.editor.area, this.body] : [this.body, this.editor.area];
    shown.setAttribute('aria-label', t.body);
    other.removeAttribute('aria-label');
  }

  /**
   * Rich text on (the text becomes HTML) or off (the HTML becomes its text).
   * @param {boolean} on
   */
  setRich(on) {
    if (on) {
      this.editor.setHtml(textToHtml(this.body.value));
    } else {
      this.body.value = this.editor.text();
    }
    this.showMode();
    this.changed();
  }

  /** Puts the cursor where the user writes first. */
  focus() {
    if (!this.to.input.value) {
      this.to.input.focus();
    } else if (this.rich.checked) {
      this.editor.focus();
    } else {
      this.body.focus();
      this.body.setSelectionRange(0, 0);
    }
  }

  /** The message's body for Email/set: its text, and its HTML when it is rich. */
  bodyParts() {
    if (!this.rich.checked) {
      return { textBody: [{ partId: 'text', type: 'text/plain' }],
        bodyValues: { text: { value: this.body.value.slice(0, MAX_TEXT) } } };
    }
    const html = this.editor.html();
    const page = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`;
    return {
      textBody: [{ partId: 'text', type: 'text/plain' }],
      htmlBody: [{ partId: 'html', type: 'text/html' }],
      bodyValues: { text: { value: this.editor.text().slice(0, MAX_TEXT) }, html: { value: page } },
    };
  }

  /**
   * What the form holds as a draft (to open again after an Undo).
   * @returns {Draft}
   */
  snapshot() {
    const rich = this.rich.checked;
    return { to: this.to.input.value, cc: this.cc.input.value, bcc: this.bcc.input.value,
      subject: this.subject.input.value, body: rich ? this.editor.text() : this.body.value,
      html: rich ? this.editor.html() : null, inReplyTo: this.draft.inReplyTo, references: this.draft.references,
      answering: this.draft.answering, attachments: this.files.parts(), sign: false };
  }

  /** Something was typed: the draft is saved once the typing pauses. */
  changed() {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => { this.timer = null; this.enqueue(() => this.save()); }, SAVE_AFTER_MS);
  }

  /** @param {() => Promise<void>} job */
  enqueue(job) {
    this.queue = this.queue.then(job).catch((e) => {
      this.error.textContent = `${strings.mail.failed} ${String(e.message ?? e)}`;
    });
    return this.queue;
  }

  /**
   * The message's properties for Email/set create (RFC 8621 §4.6).
   * @param {Record<string, boolean>} keywords
   * @param {string} mailbox
   */
  properties(keywords, mailbox) {
    const addresses = (/** @type {{ input: HTMLInputElement }} */ f) => {
      const { list } = parseAddresses(f.input.value);
      return list.length ? list : null;
    };
    const id = this.where.identity;
    /** @type {Record<string, unknown>} */
    const props = {
      mailboxIds: { [mailbox]: true },
      keywords,
      from: [{ name: id.name || null, email: id.email }],
      to: addresses(this.to),
      cc: addresses(this.cc),
      bcc: addresses(this.bcc),
      subject: this.subject.input.value.slice(0, MAX_TEXT),
      ...this.bodyParts(),
    };
    const files = this.files.parts();
    if (files.length) {
      props.attachments = attachmentsFor(files);
    }
    if (this.draft.inReplyTo) {
      props.inReplyTo = this.draft.inReplyTo;
      props.references = this.draft.references;
    }
    return props;
  }

  /** The saved draft to destroy with the next create, if there is one. */
  replacing() {
    return this.draftId ? { destroy: [this.draftId] } : {};
  }

  /** Saves the draft to Drafts, replacing the one saved before. */
  async save() {
    if (this.closed || !this.where.drafts) {
      return;
    }
    const r = await this.jmap.call([['Email/set', { accountId: this.jmap.accountId,
      create: { draft: this.properties({ $draft: true, $seen: true }, this.where.drafts) },
      ...this.replacing() }, 's']]);
    const created = r.s.created?.draft;
    if (!created) {
      this.error.textContent = `${t.notSaved} ${refusal(r.s.notCreated?.draft)}`;
      return;
    }
    this.draftId = created.id;
    this.error.textContent = '';
    this.saved.textContent = t.saved(new Date().toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }));
  }

  /** Checks the recipients; the error shown, or null. */
  invalid() {
    const bad = [this.to, this.cc, this.bcc].flatMap((f) => parseAddresses(f.input.value).bad);
    if (bad.length) {
      return t.badAddresses(bad.join(', '));
    }
    const count = [this.to, this.cc, this.bcc].reduce((n, f) => n + parseAddresses(f.input.value).list.length, 0);
    return count === 0 ? t.noRecipients : null;
  }

  send() {
    const invalid = this.invalid();
    if (invalid) {
      this.error.textContent = invalid;
      return Promise.resolve();
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.sendButton.disabled = true;
    this.saved.textContent = t.sending;
    return this.enqueue(() => this.submit()).finally(() => { this.sendButton.disabled = false; });
  }

  /** Creates the message and submits it in one request, once its files are uploaded. */
  async submit() {
    const notUploaded = await this.files.settled();
    if (notUploaded) {
      this.saved.textContent = '';
      this.error.textContent = notUploaded;
      return;
    }
    const { drafts, sent, identity } = this.where;
    const home = drafts ?? sent;
    if (!home) {
      this.error.textContent = t.noDrafts;
      return;
    }
    /** @type {Record<string, unknown>} */
    const move = { 'keywords/$draft': null };
    if (drafts && sent) {
      move[`mailboxIds/${drafts}`] = null;
      move[`mailboxIds/${sent}`] = true;
    }
    const hold = this.where.hold;
    const r = await this.jmap.call([
      ['Email/set', { accountId: this.jmap.accountId,
        create: { message: this.properties({ $draft: true, $seen: true }, home) },
        ...this.replacing() }, 'e'],
      ['EmailSubmission/set', { accountId: this.jmap.accountId,
        create: { send: { identityId: identity.id, emailId: '#message', ...(hold > 0 ? this.envelope(hold) : {}) } },
        onSuccessUpdateEmail: { '#send': move } }, 'u'],
    ]);
    const created = r.e.created?.message;
    if (this.draftId && !(r.e.notDestroyed?.[this.draftId])) {
      this.draftId = null;
    }
    if (!created) {
      this.saved.textContent = '';
      this.error.textContent = refusal(r.e.notCreated?.message);
      return;
    }
    if (!r.u.created?.send) {
      // Not sent: the message stays in Drafts as the draft.
      this.draftId = created.id;
      this.saved.textContent = '';
      this.error.textContent = refusal(r.u.notCreated?.send);
      return;
    }
    if (this.draft.answering) {
      await this.jmap.call([['Email/set', { accountId: this.jmap.accountId,
        update: { [this.draft.answering]: { 'keywords/$answered': true } } }, 'a']]).catch(() => null);
    }
    if (hold > 0) {
      this.held = { submissionId: r.u.created.send.id, emailId: created.id, drafts, sent, seconds: hold };
    }
    this.finish(hold > 0 ? 'held' : 'sent');
  }

  /**
   * The envelope (RFC 8621 §7) of a message held `seconds`: from the identity's address with
   * RFC 4865's HOLDFOR, to every recipient (Bcc included: the server takes the field out).
   * @param {number} seconds
   */
  envelope(seconds) {
    const rcptTo = [this.to, this.cc, this.bcc].flatMap((f) => parseAddresses(f.input.value).list)
      .map((a) => ({ email: a.email, parameters: null }));
    return { envelope: { mailFrom: { email: this.where.identity.email, parameters: { HOLDFOR: String(seconds) } },
      rcptTo } };
  }

  /** Closes the form; the saved draft stays in Drafts (what was typed since is saved first). */
  close() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.enqueue(() => this.save()).then(() => this.finish(this.draftId ? 'kept' : 'closed'));
    } else {
      this.queue.then(() => this.finish(this.draftId ? 'kept' : 'closed'));
    }
  }

  /** Closes the form and deletes the saved draft. */
  discard() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.enqueue(async () => {
      if (this.draftId) {
        await this.jmap.call([['Email/set', { accountId: this.jmap.accountId, destroy: [this.draftId] }, 'd']]);
        this.draftId = null;
      }
      this.finish('discarded');
    });
  }

  /** @param {Outcome} outcome */
  finish(outcome) {
    if (!this.closed) {
      this.closed = true;
      this.editor.stop();
      this.files.abort();
      this.onClose(outcome);
    }
  }
}
