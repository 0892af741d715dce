/**
 * <townhall-notifications>: a bell with my unread count that opens my notifications, newest
 * first, each with its text, time and link; "mark all read", and "mark read" per item.
 *
 * Accessibility: the APG disclosure pattern: the bell is a button (aria-expanded,
 * aria-controls) named with the count ("Notifications, 3 unread"); the panel follows it;
 * Escape closes the panel and puts focus back on the bell, as does a click outside.
 * Attributes: page-size (default 10), person-href / document-href (link templates: {id},
 *   {account}; documents default to their signed download link), lang, endpoint.
 * Events: townhall-error {code, operation}, townhall-notifications-read {unreadCount}.
 * Parts: button, badge, panel, list, notification, link, mark-all, mark-read, more, status.
 * Live: subscribes to notificationAdded: the count goes up, the notification goes first in
 *   the list (if it was read already), and the news is announced politely.
 */
import { STALE, TownhallElement, baseStyles, define, html, nothing } from '../core/base.js';
import { documentHref, personHref, refusal, timeTag } from './social-format.js';
import { bellStyles, socialStyles } from './social-styles.js';

export class TownhallNotifications extends TownhallElement {
  static properties = {
    pageSize: { type: Number, attribute: 'page-size' },
    unread: { state: true },
    open: { state: true },
    items: { state: true },
    hasMore: { state: true },
    listed: { state: true },
    announcement: { state: true },
    failure: { state: true },
  };

  static styles = [baseStyles, socialStyles, bellStyles];

  constructor() {
    super();
    this.pageSize = 10;
    this.unread = 0;
    this.open = false;
    this.items = [];
    this.hasMore = false;
    this.listed = false; // the list's first page has been read
    this.cursor = null;
    this.announcement = '';
    this.failure = '';
    this.onOutside = (event) => {
      if (this.open && !event.composedPath().includes(this)) this.close(false);
    };
  }

  connectedCallback() {
    super.connectedCallback();
    document.addEventListener('click', this.onOutside);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    document.removeEventListener('click', this.onOutside);
  }

  reload() {
    this.endLive?.();
    this.items = [];
    this.listed = false;
    this.cursor = null;
    this.endLive = this.live('NotificationAdded', {}, { next: (data) => this.added(data.notificationAdded) });
    this.track(this.query('UnreadNotificationCount', {}, { fresh: true })).then((data) => {
      if (data !== STALE) this.unread = data.unreadNotificationCount;
    });
    if (this.open) this.loadPage();
  }

  async loadPage() {
    const variables = { first: this.pageSize, after: this.cursor };
    const data = await this.track(this.query('Notifications', variables, { fresh: true }));
    if (data === STALE) return;
    const seen = new Set(this.items.map((n) => n.id));
    this.items = [...this.items, ...data.notifications.nodes.filter((n) => !seen.has(n.id))];
    this.unread = data.unreadNotificationCount;
    this.hasMore = data.notifications.pageInfo.hasNextPage;
    this.cursor = data.notifications.pageInfo.endCursor;
    this.listed = true;
  }

  added(notification) {
    if (!notification?.id || this.items.some((n) => n.id === notification.id)) return;
    if (!notification.read) this.unread += 1;
    if (this.listed) this.items = [notification, ...this.items];
    this.announcement = '';
    requestAnimationFrame(() => {
      this.announcement = this.t('notifications.arrived', { text: this.text(notification) });
    });
  }

  toggle() {
    if (this.open) return this.close(true);
    this.open = true;
    if (!this.listed) this.loadPage();
  }

  close(focusBell) {
    this.open = false;
    if (focusBell) this.updateComplete.then(() => this.renderRoot.querySelector('.bell')?.focus());
  }

  onKeydown(event) {
    if (event.key === 'Escape' && this.open) {
      event.stopPropagation();
      this.close(true);
    }
  }

  async markRead(ids) {
    const input = ids ? { ids } : { all: true };
    this.failure = '';
    let outcome;
    try {
      outcome = (await this.query('MarkNotificationsRead', { input })).markNotificationsRead;
    } catch (error) {
      outcome = error;
    }
    if (outcome?.__typename !== 'MarkReadSuccess') {
      this.failure = refusal(this, 'notifications', outcome);
      return;
    }
    const marked = ids ? new Set(ids) : null;
    this.items = this.items.map((n) => (!marked || marked.has(n.id) ? { ...n, read: true } : n));
    this.unread = outcome.unreadCount;
    this.emit('notifications-read', { unreadCount: outcome.unreadCount });
    this.announcement = this.t('notifications.marked', { count: outcome.marked });
    // The per-item button goes away with the mark: keep focus inside the panel.
    if (ids) this.updateComplete.then(() => this.renderRoot.querySelector('.mark-all, .bell')?.focus());
  }

  /** What a notification says, in the element's language, with the actor's name. */
  text(n) {
    const actor = n.actor?.displayName ?? this.t('notifications.someone');
    const key = `notifications.kind.${n.kind}`;
    const text = this.t(key, { actor });
    return text === key ? n.activity?.summary ?? '' : text;
  }

  link(n) {
    const a = n.activity;
    if (a?.document) return [documentHref(this, a.document), a.document.title];
    if (a?.person) return [personHref(this, a.person), a.person.displayName];
    if (n.kind === 'NEW_FOLLOWER' && n.actor) return [personHref(this, n.actor), n.actor.displayName];
    return [null, a?.tag ? `#${a.tag}` : null];
  }

  renderItem(n) {
    const text = this.text(n);
    const [href, label] = this.link(n);
    return html`<li class=${n.read ? 'notification' : 'notification unread'} part="notification">
      ${n.read ? nothing : html`<span class="visually-hidden">${this.t('notifications.unreadMark')}</span>`}
      <span class="text">${text}</span>
      ${label
        ? href
          ? html`<a part="link" href=${href}>${label}</a>`
          : html`<span>${label}</span>`
        : nothing}
      <div class="row meta">
        ${timeTag(this, n.createdAt)}
        ${n.read
          ? nothing
          : html`<button
              type="button"
              class="link"
              part="mark-read"
              aria-label=${this.t('notifications.markReadOne', { text })}
              @click=${() => this.markRead([n.id])}
            >
              ${this.t('notifications.markRead')}
            </button>`}
      </div>
    </li>`;
  }

  renderPanel() {
    return html`<div class="panel" part="panel" id="panel" role="region" aria-labelledby="heading">
      <div class="row">
        <h2 id="heading">${this.t('notifications.title')}</h2>
        ${this.unread > 0
          ? html`<button type="button" class="link mark-all" part="mark-all" @click=${() => this.markRead(null)}>
              ${this.t('notifications.markAll')}
            </button>`
          : nothing}
      </div>
      ${this.failure ? html`<p class="form-error" role="alert">${this.failure}</p>` : nothing}
      ${this.items.length
        ? html`<ul class="plain" part="list">${this.items.map((n) => this.renderItem(n))}</ul>`
        : this.status === 'ready' && this.listed
          ? this.renderEmpty('notifications.empty')
          : nothing}
      ${this.renderStatus()}
      ${this.hasMore && this.status !== 'loading'
        ? html`<button type="button" class="more" part="more" @click=${() => this.loadPage()}>
            ${this.t('notifications.more')}
          </button>`
        : nothing}
    </div>`;
  }

  render() {
    const label = this.unread > 0
      ? this.t('notifications.bellUnread', { count: this.unread })
      : this.t('notifications.bell');
    return html`<div @keydown=${this.onKeydown}>
      <button
        type="button"
        class="bell"
        part="button"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="panel"
        aria-label=${label}
        @click=${() => this.toggle()}
      >
        <span aria-hidden="true">🔔</span>
        <span aria-hidden="true">${this.t('notifications.bellText')}</span>
        ${this.unread > 0
          ? html`<span class="badge" part="badge" aria-hidden="true">${this.unread > 99 ? '99+' : this.unread}</span>`
          : nothing}
      </button>
      ${this.open ? this.renderPanel() : nothing}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
    </div>`;
  }
}

define('townhall-notifications', TownhallNotifications);
