/**
 * Helpers shared by the social widgets (comments, activity feed, notifications): retry
 * keys, what kind of object a global id names, links to people and documents, the text of
 * refused writes, and the <time> element they all show.
 *
 *   retryKey()                             a fresh clientMutationId (works outside secure contexts)
 *   kindOfId(id)                           "Document", "Person", "ActivityItem", ... or null
 *   personHref(element, person)            the host page's link for a person, from its
 *                                          `person-href` template ({id}, {account}), or null
 *   documentHref(element, document)        `document-href` template ({id}), else its download link
 *   refusal(element, prefix, result|error) the message to show for a refused write
 *   timeTag(element, iso)                  <time> saying how long ago, the full time as its title
 */
import { html } from '../core/base.js';
import { formatDate, formatRelative } from '../core/i18n.js';

const FULL = { dateStyle: 'long', timeStyle: 'short' };

export function retryKey() {
  // crypto.randomUUID exists only in secure contexts; an intranet on plain http is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `w-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function kindOfId(id) {
  try {
    const base64 = String(id).replace(/-/g, '+').replace(/_/g, '/');
    const text = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const [kind, key] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
    return kind && key && /^[A-Za-z]+$/.test(kind) ? kind : null;
  } catch {
    return null;
  }
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name] ?? ''));
}

export function personHref(element, person) {
  const template = element.getAttribute('person-href');
  if (!template || !person) return null;
  return fill(template, { id: person.id, account: person.accountName });
}

export function documentHref(element, document) {
  if (!document) return null;
  const template = element.getAttribute('document-href');
  return template ? fill(template, { id: document.id }) : document.downloadUrl || null;
}

/** The catalogue's text for a refused write: a union error result or a thrown TownhallError. */
export function refusal(element, prefix, outcome) {
  const type = outcome?.__typename;
  if (type === 'RateLimitedError') {
    return element.t(`${prefix}.error.rateLimited`, { count: outcome.retryAfterSeconds ?? 60 });
  }
  if (type === 'InvalidInputError') {
    const limit = /at most (\d+)/.exec(outcome.message || '');
    if (limit && /characters/.test(outcome.message)) {
      return element.t(`${prefix}.error.tooLong`, { max: Number(limit[1]) });
    }
    if (limit && /mention|people/.test(outcome.message)) {
      return element.t(`${prefix}.error.tooManyMentions`, { max: Number(limit[1]) });
    }
    if (limit && /tag/.test(outcome.message)) {
      return element.t(`${prefix}.error.tooManyTags`, { max: Number(limit[1]) });
    }
    if (/needs some text/.test(outcome.message || '')) return element.t(`${prefix}.error.empty`);
    return outcome.message;
  }
  if (type === 'NotAllowedError') return element.t(`${prefix}.error.notAllowed`);
  if (type === 'NotFoundError') return element.t(`${prefix}.error.notFound`);
  // A thrown TownhallError: the gateway's own words when it gave some, else ours.
  if (outcome?.fromServer) return outcome.message;
  if (outcome?.code === 'NETWORK') return element.t(`${prefix}.error.network`);
  return element.t(`${prefix}.error.failed`);
}

/** A <time> showing how long ago, with the full date and time as its title. */
export function timeTag(element, value) {
  const lang = element.language;
  return html`<time datetime=${value} title=${formatDate(lang, value, FULL)}
    >${formatRelative(lang, value)}</time
  >`;
}
