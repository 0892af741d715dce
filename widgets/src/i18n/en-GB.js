// English (United Kingdom): the widgets' strings. Keys are prefixed by the element
// (`person-card.`, `org-chart.`, `people-finder.`, `comments.`, `activity-feed.`,
// `notifications.`) or `core.` for the shared ones. `{name}` is a parameter; `.one` /
// `.other` (and Welsh's `.zero`, `.two`, `.few`, `.many`) are plural forms of a count.
export default {
  // core
  'core.loading': 'Loading…',
  'core.retry': 'Try again',
  'core.empty': 'Nothing to show.',
  'core.error.NETWORK': 'Townhall could not be reached. Check your connection and try again.',
  'core.error.UNAUTHENTICATED': 'Sign in to see this.',
  'core.error.FORBIDDEN': 'You do not have access to this.',
  'core.error.TOKEN_UNAVAILABLE': 'Your sign-in could not be checked. Reload the page to try again.',
  'core.error.NOT_FOUND': 'Not found.',
  'core.error.other': 'Something went wrong. Try again.',

  // person-card

  // org-chart

  // people-finder

  // comments

  // activity-feed

  // notifications
};
