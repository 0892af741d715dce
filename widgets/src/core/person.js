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
 * The schema has no lookup by account or UPN, so an account or UPN is searched for
 * (people(search) matches account names and mail by prefix) and the exact match kept; the
 * answer is remembered for the page's life, so many cards of one person search once.
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
  const search = wanted.includes('@') ? wanted.split('@')[0] : wanted;
  const data = await element.query('PersonLookup', { search });
  const match = (data.people?.nodes ?? []).find(
    (p) => p.accountName?.toLowerCase() === wanted || p.userPrincipalName?.toLowerCase() === wanted,
  );
  if (!match) throw new TownhallError('NOT_FOUND');
  return match.id;
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
