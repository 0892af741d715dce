/**
 * Strings: one catalogue per language (src/i18n/en-GB.js, src/i18n/cy.js), keys prefixed by
 * the element they belong to (`person-card.follow`; `core.` for the shared ones).
 *
 *   translate(lang, key, params) -> text
 *
 * `{name}` in a text is replaced by params.name. With a numeric params.count, the key
 * `<key>.<plural category>` is looked up first (Intl.PluralRules of the language: Welsh
 * has zero, one, two, few, many and other), then `<key>.other`, then `<key>`.
 * A language without a catalogue falls back to en-GB, as does a key missing from one.
 */
import cy from '../i18n/cy.js';
import enGB from '../i18n/en-GB.js';

const catalogues = { 'en-GB': enGB, cy };

export function catalogueFor(lang) {
  const base = String(lang || '').toLowerCase().split(/[-_]/)[0];
  return base === 'cy' ? 'cy' : 'en-GB';
}

const pluralRules = new Map();
function plural(lang, count) {
  if (!pluralRules.has(lang)) pluralRules.set(lang, new Intl.PluralRules(lang));
  return pluralRules.get(lang).select(count);
}

export function translate(lang, key, params = {}) {
  const code = catalogueFor(lang);
  const lookup = (k) => catalogues[code][k] ?? enGB[k];
  let text;
  if (typeof params.count === 'number') {
    text = lookup(`${key}.${plural(code, params.count)}`) ?? lookup(`${key}.other`);
  }
  text ??= lookup(key) ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) =>
    params[name] === undefined || params[name] === null ? match : String(params[name]),
  );
}

/** Dates and numbers in the element's language. A browser without Welsh locale data
 * (some Chromium builds) would write English words: it gets a numeric date instead. */
const NUMERIC = { day: '2-digit', month: '2-digit', year: 'numeric' };

function locale(lang) {
  return catalogueFor(lang) === 'cy' ? 'cy-GB' : 'en-GB';
}

function knows(kind, tag) {
  return kind.supportedLocalesOf([tag]).length > 0;
}

export function formatDate(lang, value, options = { dateStyle: 'medium' }) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const tag = locale(lang);
  if (!knows(Intl.DateTimeFormat, tag)) return new Intl.DateTimeFormat('en-GB', NUMERIC).format(date);
  return new Intl.DateTimeFormat(tag, options).format(date);
}

export function formatRelative(lang, value, now = Date.now()) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const tag = locale(lang);
  if (!knows(Intl.RelativeTimeFormat, tag)) return new Intl.DateTimeFormat('en-GB', NUMERIC).format(date);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const units = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['week', 604_800],
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const rtf = new Intl.RelativeTimeFormat(tag, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(seconds, 'second');
}
