/**
 * The intranet page's sign-in for Townhall's widgets, as a SharePoint (SPFx) web part does it:
 * the page gets a token for its visitor from its own identity provider and hands it over
 * with townhall.configure({ endpoint, getToken }).
 *
 * Here the identity provider is the portal itself: GET /token (same origin, so no CORS)
 * answers {access_token, expires_in} for the visitor chosen in the persona picker. A token
 * is reused until a minute before it expires; the widgets ask for a fresh one
 * ({ refresh: true }) when the gateway refuses the one they had.
 *
 * This module loads before the page's widget tag and imports the same bundle, so configure()
 * runs as the bundle is evaluated: the widgets' first requests already carry the token.
 * Write your gateway's address in the import.
 */
import { configure } from '{{gateway}}/widgets/v1/townhall.js';

const GATEWAY = '{{gateway}}';
const EARLY = 60_000; // renew a token this long before it expires

let held = null; // { token, expires }
let pending = null;

async function fetchToken() {
  const response = await fetch('/token', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`The intranet could not sign you in (${response.status}).`);
  const body = await response.json();
  held = { token: body.access_token, expires: Date.now() + body.expires_in * 1000 };
  return held.token;
}

async function getToken(options = {}) {
  if (!options.refresh && held && Date.now() < held.expires - EARLY) return held.token;
  // Every widget asks at once when the page loads: one request serves them all.
  pending ??= fetchToken().finally(() => {
    pending = null;
  });
  return pending;
}

configure({ endpoint: new URL('/graphql', GATEWAY).href, getToken });
