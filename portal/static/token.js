/**
 * The visitor's token from the intranet's identity provider: here the portal itself,
 * GET /token (same origin, so no CORS) answering {access_token, expires_in} for the
 * persona chosen in the page's picker.
 *
 * Asked for as soon as this module is evaluated, which is before the widget bundle is
 * (portal.js imports this module first), so the widgets' first requests do not wait for it.
 * A token is reused until a minute before it expires; getToken({ refresh: true }) (the
 * widgets ask so when the gateway refused the one they had) fetches a new one.
 */
const EARLY = 60_000; // renew a token this long before it expires

let held = null; // { token, expires }
let pending = null;

function fetchToken() {
  pending ??= (async () => {
    const response = await fetch('/token', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error(`The intranet could not sign you in (${response.status}).`);
    const body = await response.json();
    held = { token: body.access_token, expires: Date.now() + body.expires_in * 1000 };
    return held.token;
  })().finally(() => {
    pending = null;
  });
  return pending;
}

export async function getToken(options = {}) {
  if (!options.refresh && held && Date.now() < held.expires - EARLY) return held.token;
  // Every widget asks at once when the page loads: one request serves them all.
  return fetchToken();
}

fetchToken().catch(() => {}); // a failure is the widgets' to report, when they ask
