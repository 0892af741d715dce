/**
 * TownhallElement: what every Townhall element shares (Lit, plain JavaScript).
 *
 *   this.t(key, params)          a string of the element's language (see i18n.js)
 *   this.emit(name, detail)      a bubbling, composed CustomEvent named `townhall-<name>`
 *   this.query(op, variables)    client.request with the element's endpoint; a failure is
 *                                emitted as `townhall-error` {code, operation} and thrown
 *   this.live(op, variables, handlers)  live.subscribe, ended when the element leaves the page
 *   this.track(promise)          loading / error state for render: this.status is
 *                                'idle' | 'loading' | 'ready' | 'error', this.error the error;
 *                                resolves to the value, or to STALE if a newer track() began
 *   this.renderStatus()          the loading or error message (with a retry button calling
 *                                this.reload()), or nothing when ready
 *   this.renderEmpty(key)        an "empty" message
 *   reload()                     override: (re)load the element's data; called on first
 *                                connect, on configure(), on retry and when `lang` changes
 *
 * Attributes every element takes: `lang` (its language) and `endpoint` (a GraphQL URL other
 * than the configured one). Styles: `static styles = [baseStyles, css`...`]`.
 */
import { LitElement, html, nothing } from 'lit';
import { TownhallError, request } from './client.js';
import { CONFIGURED_EVENT, hasSettled, langOf } from './config.js';
import { subscribe } from './live.js';
import { baseStyles } from './styles.js';
import { translate } from './i18n.js';

export { html, nothing, css } from 'lit';
export { baseStyles };

export const STALE = Symbol('townhall.stale');

/** Define an element once (the bundle may be loaded twice, e.g. by two web parts). */
export function define(name, elementClass) {
  if (!customElements.get(name)) customElements.define(name, elementClass);
}

export class TownhallElement extends LitElement {
  static properties = {
    lang: { type: String, reflect: true },
    endpoint: { type: String },
    status: { state: true },
    error: { state: true },
  };

  static styles = [baseStyles];

  constructor() {
    super();
    this.status = 'idle';
    this.error = null;
    this._run = 0;
    this._subscriptions = new Set();
    // Before `settled` nothing has been sent: the first load already uses the new settings.
    this._onConfigured = () => this.isConnected && this._loaded && hasSettled() && this.reload();
  }

  connectedCallback() {
    super.connectedCallback();
    window.addEventListener(CONFIGURED_EVENT, this._onConfigured);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener(CONFIGURED_EVENT, this._onConfigured);
    for (const end of this._subscriptions) end();
    this._subscriptions.clear();
    this._run += 1; // answers still on their way are dropped
    this._loaded = false;
  }

  willUpdate(changed) {
    // Language and endpoint are read on every render; the first connect loads.
    if (!this._loaded && this.isConnected) {
      this._loaded = true;
      this.reload();
    } else if (changed.has('endpoint') && changed.get('endpoint') !== undefined) {
      this.reload();
    }
  }

  /** (Re)load the element's data. Elements override it. */
  reload() {}

  get language() {
    return langOf(this);
  }

  t(key, params) {
    return translate(this.language, key, params);
  }

  emit(name, detail = {}) {
    return this.dispatchEvent(
      new CustomEvent(`townhall-${name}`, { detail, bubbles: true, composed: true, cancelable: true }),
    );
  }

  async query(operationName, variables = {}, options = {}) {
    try {
      return await request(operationName, variables, { endpoint: this.endpoint, ...options });
    } catch (error) {
      const failure = error instanceof TownhallError ? error : new TownhallError('NETWORK');
      this.emit('error', { code: failure.code, operation: operationName });
      throw failure;
    }
  }

  live(operationName, variables, handlers) {
    const end = subscribe(
      operationName,
      variables,
      {
        ...handlers,
        error: (error) => {
          this._subscriptions.delete(end);
          this.emit('error', { code: error.code, operation: operationName });
          handlers.error?.(error);
        },
      },
      { endpoint: this.endpoint },
    );
    this._subscriptions.add(end);
    return () => {
      this._subscriptions.delete(end);
      end();
    };
  }

  async track(promise) {
    const run = ++this._run;
    this.status = 'loading';
    this.error = null;
    try {
      const value = await promise;
      if (run !== this._run) return STALE;
      this.status = 'ready';
      return value;
    } catch (error) {
      if (run !== this._run) return STALE;
      this.status = 'error';
      this.error = error;
      return STALE;
    }
  }

  /** The text to show for an error: the gateway's own message, else the catalogue's. */
  errorMessage(error) {
    if (error?.fromServer && error.message) return error.message;
    const code = error?.code || 'NETWORK';
    const known = ['NETWORK', 'UNAUTHENTICATED', 'FORBIDDEN', 'TOKEN_UNAVAILABLE', 'NOT_FOUND'];
    return this.t(known.includes(code) ? `core.error.${code}` : 'core.error.other');
  }

  renderStatus() {
    if (this.status === 'loading') {
      return html`<p class="status" part="status" role="status">${this.t('core.loading')}</p>`;
    }
    if (this.status === 'error') {
      return html`<div class="error" part="error" role="alert">
        <span>${this.errorMessage(this.error)}</span>
        <button type="button" class="link" part="retry" @click=${() => this.reload()}>
          ${this.t('core.retry')}
        </button>
      </div>`;
    }
    return nothing;
  }

  renderEmpty(key = 'core.empty', params) {
    return html`<p class="empty" part="empty">${this.t(key, params)}</p>`;
  }
}
