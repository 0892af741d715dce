/**
 * HTTP requests to the gateway: registered operations only, sent by hash.
 *
 *   request(operationName, variables, { endpoint, signal, fresh }) -> Promise<data>
 *
 * The body is `{operationName, variables, extensions: {persistedQuery: {version: 1,
 * sha256Hash}}}`, never query text: the gateway knows every widget operation (the build's
 * operations.json). With a configured getToken the request carries `Authorization: Bearer`
 * (and no cookies); otherwise the page's cookies for the gateway.
 *
 * Queries are shared: the same operation with the same variables on one endpoint is asked
 * once while in flight and answered from memory for QUERY_TTL ms (ten cards of one person
 * on a page cost one request); any mutation empties that memory. A refused token (401) is
 * asked for again once, fresh. Failures throw TownhallError {code, message}: the GraphQL
 * error's own message and extensions.code, or NETWORK / HTTP_<status> with no message
 * (elements show their catalogue's text for those).
 */
import { config, settled } from './config.js';
import operations from './operations.js';

const QUERY_TTL = 30_000;
/** The GraphQL errors of a partial answer: `data[ERRORS]` (absent when there were none). */
export const ERRORS = Symbol('townhall.errors');
const shared = new Map(); // key -> { at, promise }

export class TownhallError extends Error {
  constructor(code, message = '', { status = 0, retryAfter = null, path = null } = {}) {
    super(message || code);
    this.name = 'TownhallError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.path = path;
    /** Whether `message` came from the gateway (safe and meant for people to read). */
    this.fromServer = Boolean(message);
  }
}

export async function token(refresh = false) {
  const { getToken } = config();
  if (!getToken) return null;
  try {
    const value = await getToken(refresh ? { refresh: true } : undefined);
    return value ? String(value).replace(/^Bearer\s+/i, '') : null;
  } catch {
    throw new TownhallError('TOKEN_UNAVAILABLE');
  }
}

export function request(operationName, variables = {}, options = {}) {
  const operation = operations[operationName];
  if (!operation) return Promise.reject(new TownhallError('UNKNOWN_OPERATION'));
  const endpoint = options.endpoint || config().endpoint;
  if (operation.kind !== 'query') {
    shared.clear();
    return send(endpoint, operationName, operation, variables, options.signal);
  }
  const key = `${endpoint}\n${operationName}\n${JSON.stringify(variables)}`;
  const hit = shared.get(key);
  if (hit && !options.fresh && Date.now() - hit.at < QUERY_TTL) return hit.promise;
  const promise = send(endpoint, operationName, operation, variables);
  shared.set(key, { at: Date.now(), promise });
  promise.catch(() => shared.get(key)?.promise === promise && shared.delete(key));
  return promise;
}

/** Forget remembered query answers (all, or those of one operation). */
export function forget(operationName) {
  for (const key of shared.keys()) {
    if (!operationName || key.split('\n')[1] === operationName) shared.delete(key);
  }
}

async function send(endpoint, operationName, operation, variables, signal, refresh = false) {
  await settled;
  const bearer = await token(refresh);
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const body = JSON.stringify({
    operationName,
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: operation.hash } },
  });
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      mode: 'cors',
      credentials: bearer ? 'omit' : 'include',
      headers,
      body,
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new TownhallError('NETWORK');
  }
  if (response.status === 401 && bearer && !refresh) {
    return send(endpoint, operationName, operation, variables, signal, true);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  const errors = Array.isArray(payload?.errors) ? payload.errors : [];
  const data = payload?.data ?? null;
  if (data && typeof data === 'object') {
    // A partial answer: what came is shown, absent fields stay absent; the errors ride along.
    if (errors.length) Object.defineProperty(data, ERRORS, { value: errors });
    return data;
  }
  const first = errors[0];
  const retryAfter = Number(response.headers.get('Retry-After')) || null;
  if (first) {
    throw new TownhallError(first.extensions?.code || 'GRAPHQL_ERROR', first.message || '', {
      status: response.status,
      retryAfter,
      path: first.path ?? null,
    });
  }
  throw new TownhallError(`HTTP_${response.status}`, '', { status: response.status, retryAfter });
}
