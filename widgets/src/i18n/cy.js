// Cymraeg (Welsh): the widgets' chrome. Same keys as en-GB.js; a key missing here falls
// back to English. Plural forms follow Intl.PluralRules('cy'): zero, one, two, few, many, other.
export default {
  // core
  'core.loading': 'Wrthi’n llwytho…',
  'core.retry': 'Rhowch gynnig arall arni',
  'core.empty': 'Dim byd i’w ddangos.',
  'core.error.NETWORK': 'Doedd dim modd cyrraedd Townhall. Gwiriwch eich cysylltiad a rhowch gynnig arall arni.',
  'core.error.UNAUTHENTICATED': 'Mewngofnodwch i weld hyn.',
  'core.error.FORBIDDEN': 'Does gennych chi ddim mynediad at hyn.',
  'core.error.TOKEN_UNAVAILABLE': 'Doedd dim modd gwirio eich mewngofnodi. Ail-lwythwch y dudalen i roi cynnig arall arni.',
  'core.error.NOT_FOUND': 'Heb ei ganfod.',
  'core.error.other': 'Aeth rhywbeth o’i le. Rhowch gynnig arall arni.',

  // person-card

  // org-chart

  // people-finder

  // comments

  // activity-feed

  // notifications
};
