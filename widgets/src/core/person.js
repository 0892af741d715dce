/**
 * People as the `person` attribute names them: an account name (`priya.shah`), a UPN
 * (`priya.shah@northshire.gov.uk`) or a Person global id.
 *
 *   isPersonId(ref)              whether ref is a Person global id (base64 of "Person:<guid>")
 *   resolvePerson(element, ref)  -> Promise<Person id>; TownhallError NOT_FOUND when no one
 *   personHref(element, person)  the page's link for a person from the element's
 *                                `person-href` template ({id}, {account}), or null
 *   initials(name)               up to two letters for a missing photo
 *
 *   personVariables(ref)         -> Promise<{id} | {account}>: what `person(...)` takes
 *
 * `person(account:)` finds an account name or UPN exactly (any case); a resolved id is
 * remembered for the page's life, so many elements of one person look it up once.
 */
import { TownhallError } from './client.js';

const resolved = new Map(); // endpoint + ref -> Promise<id>

export function isPersonId(ref) {
  try {
    const base64 = String(ref).replace(/-/g, '+').replace(/_/g, '/');
    return atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)).startsWith('Person:');
  } catch {
    return false;
  }
}

export function resolvePerson(element, ref) {
  const wanted = String(ref || '').trim();
  if (!wanted) return Promise.reject(new TownhallError('NOT_FOUND'));
  if (isPersonId(wanted)) return Promise.resolve(wanted);
  const key = `${element.endpoint || ''}\n${wanted.toLowerCase()}`;
  if (!resolved.has(key)) {
    const promise = lookup(element, wanted.toLowerCase());
    promise.catch(() => resolved.delete(key));
    resolved.set(key, promise);
  }
  return resolved.get(key);
}

async function lookup(element, wanted) {
  const data = await element.query('PersonLookup', { account: wanted });
  if (!data.person) throw new TownhallError('NOT_FOUND');
  return data.person.id;
}

export function personVariables(ref) {
  const wanted = String(ref || '').trim();
  if (!wanted) return Promise.reject(new TownhallError('NOT_FOUND'));
  return Promise.resolve(isPersonId(wanted) ? { id: wanted } : { account: wanted });
}

export function personHref(element, person) {
  const template = element.getAttribute('person-href');
  if (!template || !person) return null;
  const href = template
    .replace(/\{id\}/g, encodeURIComponent(person.id ?? ''))
    .replace(/\{account\}/g, encodeURIComponent(person.accountName ?? ''));
  try {
    const url = new URL(href, document.baseURI);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function initials(name) {
  const words = String(name || '').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => w[0].toUpperCase()).join('');
}
