// JSContact cards (RFC 9553) as the contacts view shows and writes them, pure (tested under
// node:test): the name a card is listed by, its values as lists of text, and the properties the
// form writes — name components, e-mails, phones, one organization and one note. What the form
// does not show (addresses, other properties) is left as it is by an edit, which replaces only
// the properties it writes.

/**
 * @typedef {{ kind: string, value: string }} NameComponent
 * @typedef {{ id: string, addressBookIds?: Record<string, boolean>, uid?: string,
 *   name?: { full?: string, components?: NameComponent[] } | null,
 *   emails?: Record<string, { address: string }> | null,
 *   phones?: Record<string, { number: string }> | null,
 *   organizations?: Record<string, { name?: string }> | null,
 *   addresses?: Record<string, { full?: string, components?: NameComponent[] }> | null,
 *   notes?: Record<string, { note: string }> | null }} Card
 * @typedef {{ given: string, surname: string, emails: string[], phones: string[],
 *   organization: string, note: string }} CardForm
 */

/**
 * @template T
 * @param {Record<string, T> | null | undefined} map
 * @returns {T[]}
 */
function values(map) {
  return Object.values(map ?? {});
}

/**
 * The name a card is listed and shown by: its full name, else its components, else its first
 * e-mail address.
 * @param {Card} card
 */
export function displayName(card) {
  const full = card.name?.full?.trim();
  if (full) {
    return full;
  }
  const parts = (card.name?.components ?? []).filter((c) => c.kind !== 'separator').map((c) => c.value);
  return parts.join(' ').trim() || values(card.emails)[0]?.address || '';
}

/**
 * The name component of this kind (`given`, `surname`).
 * @param {Card} card
 * @param {string} kind
 */
export function component(card, kind) {
  return (card.name?.components ?? []).filter((c) => c.kind === kind).map((c) => c.value).join(' ');
}

/**
 * A card's values as text: e-mails, phones, organizations, addresses, notes.
 * @param {Card} card
 */
export function details(card) {
  return {
    emails: values(card.emails).map((e) => e.address),
    phones: values(card.phones).map((p) => p.number),
    organizations: values(card.organizations).map((o) => o.name ?? '').filter(Boolean),
    addresses: values(card.addresses).map((a) => a.full
      ?? (a.components ?? []).filter((c) => c.kind !== 'separator').map((c) => c.value).join(', ')).filter(Boolean),
    notes: values(card.notes).map((n) => n.note),
  };
}

/**
 * The properties the form writes, from its fields (blank ones left out; a property with nothing
 * left is null, so an update removes it).
 * @param {CardForm} form
 * @returns {Record<string, unknown>}
 */
export function cardProperties(form) {
  const components = [];
  if (form.given.trim()) {
    components.push({ kind: 'given', value: form.given.trim() });
  }
  if (form.surname.trim()) {
    components.push({ kind: 'surname', value: form.surname.trim() });
  }
  const full = components.map((c) => c.value).join(' ');
  /**
   * @param {string[]} list
   * @param {string} prefix
   * @param {(v: string) => object} make
   */
  const keyed = (list, prefix, make) => {
    const kept = list.map((v) => v.trim()).filter(Boolean);
    return kept.length ? Object.fromEntries(kept.map((v, i) => [`${prefix}${i + 1}`, make(v)])) : null;
  };
  return {
    name: components.length ? { components, full } : null,
    emails: keyed(form.emails, 'e', (address) => ({ '@type': 'EmailAddress', address })),
    phones: keyed(form.phones, 'p', (number) => ({ '@type': 'Phone', number })),
    organizations: keyed([form.organization], 'o', (name) => ({ '@type': 'Organization', name })),
    notes: keyed([form.note], 'n', (note) => ({ '@type': 'Note', note })),
  };
}

/**
 * Text split on commas or new lines (the form's e-mail and phone fields).
 * @param {string} text
 */
export function splitList(text) {
  return text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}
