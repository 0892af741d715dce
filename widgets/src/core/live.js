/**
 * Live updates: GraphQL subscriptions over WebSocket, graphql-transport-ws protocol.
 *
 *   subscribe(operationName, variables, { next, error, complete }, { endpoint }) -> unsubscribe()
 *
 * One socket per endpoint, shared by every element on the page; opened on the first
 * subscription, closed when the last one ends. Sign-in is the connection_init payload
 * `{authorization: "Bearer <token>"}` from getToken (asked again on every connect, so a
 * reconnect carries a fresh token); without getToken the browser sends the gateway's
 * cookies with the upgrade. Subscriptions are sent by persisted-query hash, never as text.
 *
 * A dropped socket reconnects after a delay growing from 1 s to 30 s, with jitter (each
 * delay is a random point in its upper half, so a restarted gateway is not hit by every
 * page at once), and every live subscription is subscribed again. A sign-in refused or
 * lapsed (4401, 4403: the token expired on an open socket) reconnects at once with a fresh
 * token (getToken({refresh: true})); refused again before any acknowledgement, the
 * subscriptions end with FORBIDDEN. Requests the gateway cannot take (4400, 4404, 4406,
 * 4409) end them with LIVE_REFUSED; too many sockets (4429) and a slow consumer (1013) are
 * retried no sooner than 30 s. The client pings every 25 s so that proxies keep an idle
 * socket open; the server's pings are answered.
 *
 * Written here rather than vendoring the graphql-ws client: this is ~150 lines minified to
 * ~2 KB, does only what the widgets need (persisted queries, one socket per endpoint, a
 * token per connect), and keeps the bundle small.
 */
import { TownhallError, token } from './client.js';
import { config, settled } from './config.js';
import operations from './operations.js';

const PROTOCOL = 'graphql-transport-ws';
const PING_EVERY = 25_000;
const FATAL = new Set([4400, 4404, 4406, 4409]);

const sockets = new Map(); // endpoint -> Connection

export function subscribe(operationName, variables, handlers, options = {}) {
  const operation = operations[operationName];
  if (!operation || operation.kind !== 'subscription') {
    queueMicrotask(() => handlers.error?.(new TownhallError('UNKNOWN_OPERATION')));
    return () => {};
  }
  const endpoint = options.endpoint || config().endpoint;
  let connection = sockets.get(endpoint);
  if (!connection) {
    connection = new Connection(endpoint);
    sockets.set(endpoint, connection);
  }
  const payload = {
    operationName,
    variables: variables ?? {},
    extensions: { persistedQuery: { version: 1, sha256Hash: operation.hash } },
  };
  return connection.add(payload, handlers);
}

function socketUrl(endpoint) {
  const url = new URL(endpoint, document.baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

class Connection {
  constructor(endpoint) {
    this.endpoint = endpoint;
    this.subs = new Map(); // id -> { payload, handlers }
    this.nextId = 1;
    this.socket = null;
    this.acked = false;
    this.attempt = 0;
    this.timer = null;
    this.pinger = null;
    this.opening = false;
    this.refreshToken = false; // ask getToken for a new token on the next connect
    this.refreshed = false; // the current socket's token was a refreshed one
    this.onOnline = () => this.attempt && this.reconnectNow();
  }

  add(payload, handlers) {
    const id = String(this.nextId++);
    this.subs.set(id, { payload, handlers });
    if (this.acked) this.send({ id, type: 'subscribe', payload });
    else if (!this.socket && !this.timer && !this.opening) this.open();
    return () => this.remove(id, true);
  }

  remove(id, tellServer) {
    if (!this.subs.delete(id)) return;
    if (tellServer && this.acked) this.send({ id, type: 'complete' });
    if (this.subs.size === 0) this.close();
  }

  async open() {
    this.timer = null;
    this.opening = true;
    window.addEventListener('online', this.onOnline);
    let bearer = null;
    try {
      await settled;
      bearer = await token(this.refreshToken);
    } catch (error) {
      this.opening = false;
      return this.failAll(error);
    }
    this.opening = false;
    this.refreshed = this.refreshToken;
    this.refreshToken = false;
    if (this.subs.size === 0) return this.close();
    const socket = new WebSocket(socketUrl(this.endpoint), PROTOCOL);
    this.socket = socket;
    socket.onopen = () => {
      this.send({ type: 'connection_init', payload: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    };
    socket.onmessage = (event) => socket === this.socket && this.receive(event.data);
    socket.onclose = (event) => socket === this.socket && this.closed(event.code, this.acked);
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return this.socket?.close(4400, 'Invalid message');
    }
    const sub = this.subs.get(message.id);
    switch (message.type) {
      case 'connection_ack':
        this.acked = true;
        this.ackedAt = Date.now();
        this.attempt = 0;
        for (const [id, s] of this.subs) this.send({ id, type: 'subscribe', payload: s.payload });
        this.pinger = setInterval(() => this.send({ type: 'ping' }), PING_EVERY);
        break;
      case 'ping':
        this.send({ type: 'pong' });
        break;
      case 'next':
        if (sub && message.payload?.data) sub.handlers.next?.(message.payload.data);
        else if (sub && message.payload?.errors?.length) sub.handlers.error?.(fromErrors(message.payload.errors));
        break;
      case 'error':
        if (sub) {
          this.remove(message.id, false);
          sub.handlers.error?.(fromErrors(message.payload));
        }
        break;
      case 'complete':
        if (sub) {
          this.remove(message.id, false);
          sub.handlers.complete?.();
        }
        break;
      default:
        break;
    }
  }

  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  closed(code, acked) {
    this.reset();
    if (this.subs.size === 0) return;
    const signIn = code === 4401 || code === 4403;
    if (FATAL.has(code) || (signIn && !acked && this.refreshed)) {
      return this.failAll(new TownhallError(signIn ? 'FORBIDDEN' : 'LIVE_REFUSED'));
    }
    this.refreshToken = signIn;
    // The token lapsed on a socket that worked a while: at once (a loop backs off below).
    if (signIn && acked && Date.now() - this.ackedAt > 10_000) return this.open();
    // Back off: 1, 2, 4 ... 30 s (too many sockets, slow consumer: 30 s), upper-half jitter.
    const ceiling = code === 4429 || code === 1013 ? 30_000 : Math.min(30_000, 1000 * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => this.open(), delay);
  }

  reconnectNow() {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.open();
  }

  failAll(error) {
    const subs = [...this.subs.values()];
    this.subs.clear();
    this.close();
    for (const s of subs) s.handlers.error?.(error);
  }

  reset() {
    clearInterval(this.pinger);
    this.pinger = null;
    this.acked = false;
    this.socket = null;
  }

  close() {
    clearTimeout(this.timer);
    this.timer = null;
    window.removeEventListener('online', this.onOnline);
    const socket = this.socket;
    this.reset();
    // Closing a socket still connecting makes Chromium log an error: close it once open.
    if (socket?.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close(1000);
    else if (socket?.readyState === WebSocket.OPEN) socket.close(1000, 'Normal Closure');
    if (sockets.get(this.endpoint) === this) sockets.delete(this.endpoint);
  }
}

function fromErrors(errors) {
  const first = Array.isArray(errors) ? errors[0] : null;
  return new TownhallError(first?.extensions?.code || 'GRAPHQL_ERROR', first?.message || '');
}
