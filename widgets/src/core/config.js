/**
 * Page-wide configuration of the widgets: which gateway they talk to, how they sign in,
 * and which language they speak.
 *
 *   configure({ endpoint, getToken, lang })   set any of them (call again to change)
 *   config()                                  the current values, defaults filled in
 *
 * endpoint  the gateway's GraphQL URL; default: /graphql on the origin this script came from.
 * getToken  async () => access token (e.g. SPFx's AadTokenProvider); without it requests
 *           carry the page's cookies for the gateway (credentials: "include").
 * lang      forces one language for every element; by default each element takes its own
 *           `lang` attribute, else its closest [lang] ancestor (usually <html lang>), else en-GB.
 *
 * Elements may upgrade before the page's own module calls configure(): requests wait
 * for the end of the task that loaded the bundle (`settled`); a configure() after that
 * tells every element to load again (`townhall-configured` on window), so a late getToken
 * (a portal that fetches its token first) still takes effect.
 */

const state = {
  endpoint: null,
  getToken: null,
  lang: null,
  generation: 0,
};

/** Resolves after the task that evaluated the bundle, so later module scripts of the page
 * (the one calling configure) have run before the first request goes out. */
export const settled = new Promise((resolve) => setTimeout(resolve, 0));
let isSettled = false;
settled.then(() => (isSettled = true));

/** Whether requests may already have gone out with the configuration as it was. */
export function hasSettled() {
  return isSettled;
}

export const CONFIGURED_EVENT = 'townhall-configured';

export function configure(options = {}) {
  if (options.endpoint !== undefined) {
    state.endpoint = options.endpoint ? String(new URL(options.endpoint, document.baseURI)) : null;
  }
  if (options.getToken !== undefined) {
    if (options.getToken !== null && typeof options.getToken !== 'function') {
      throw new TypeError('townhall.configure: getToken must be a function returning a token');
    }
    state.getToken = options.getToken;
  }
  if (options.lang !== undefined) state.lang = options.lang || null;
  state.generation += 1;
  window.dispatchEvent(new CustomEvent(CONFIGURED_EVENT, { detail: config() }));
  return config();
}

export function config() {
  return {
    endpoint: state.endpoint ?? String(new URL('/graphql', import.meta.url)),
    getToken: state.getToken,
    lang: state.lang,
    generation: state.generation,
  };
}

/** The language an element speaks: its own lang attribute, the configured one, its closest
 * [lang] ancestor (crossing shadow roots), else en-GB. */
export function langOf(element) {
  const own = element.getAttribute('lang');
  if (own) return own;
  if (state.lang) return state.lang;
  for (let node = element.parentNode; node; ) {
    if (node.nodeType === 1 && node.hasAttribute('lang')) return node.getAttribute('lang');
    node = node.parentNode ?? node.host;
  }
  return 'en-GB';
}
