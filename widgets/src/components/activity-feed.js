/**
 * <townhall-activity-feed feed="home | person:<Person id> | document:<Document id> | tag:<name>">:
 * what happened, newest first, aggregated ("… and 2 others commented on …"), with
 * "show more" and times relative to now in the element's language.
 *
 * Accessibility: the APG feed pattern: role=feed (aria-busy while articles are added),
 * each item an <article tabindex=0> with aria-posinset / aria-setsize (-1 while more pages
 * remain), named by its text; Page Down / Page Up move between articles, Ctrl+End leaves
 * the feed for "show more".
 * Attributes: feed, page-size (default 10), person-href / document-href (link templates:
 *   {id}, {account}; documents default to their signed download link), lang, endpoint.
 * Events: townhall-error {code, operation}. Parts: feed, item, summary, meta, link, more,
 *   status, empty.
 * Live: subscribes to activityAdded(feed) and puts new items first (replacing the item an
 *   aggregate grew from), announcing "N new items" politely; focus stays where it is.
 */
import { repeat } from 'lit/directives/repeat.js';
import { STALE, TownhallElement, baseStyles, define, html, nothing } from '../core/base.js';
import { TownhallError } from '../core/client.js';
import { catalogueFor } from '../core/i18n.js';
import { documentHref, personHref, timeTag } from './social-format.js';
import { feedStyles, socialStyles } from './social-styles.js';

const ANNOUNCE_AFTER_MS = 1000; // gather a burst of new items into one announcement
const TICK_MS = 60_000; // relative times are redrawn once a minute

/** The query for a feed attribute, its variables, and where its page is in the answer. */
export function feedQuery(feed) {
  const value = String(feed || 'home').trim();
  const colon = value.indexOf(':');
  const [kind, arg] = colon < 0 ? [value, ''] : [value.slice(0, colon), value.slice(colon + 1)];
  switch (kind) {
    case 'home':
      return { operation: 'HomeFeed', variables: {}, page: (d) => d?.homeFeed };
    case 'person':
      return { operation: 'PersonActivityFeed', variables: { id: arg }, page: (d) => d?.person?.activity };
    case 'document':
      return { operation: 'DocumentActivityFeed', variables: { id: arg }, page: (d) => d?.document?.activity };
    case 'tag':
      return { operation: 'TagActivityFeed', variables: { tag: arg.replace(/^#/, '') }, page: (d) => d?.tagFeed };
    default:
      return null;
  }
}

/** Items alike aggregate into one (same verb, object and day): a newer one replaces it. */
function sameAggregate(a, b) {
  const object = (i) => i.document?.id ?? i.person?.id ?? i.tag ?? i.objectKind;
  return (
    a.id === b.id ||
    (a.verb === b.verb && object(a) === object(b) && a.createdAt.slice(0, 10) === b.createdAt.slice(0, 10))
  );
}

export class TownhallActivityFeed extends TownhallElement {
  static properties = {
    feed: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    items: { state: true },
    hasMore: { state: true },
    busy: { state: true },
    announcement: { state: true },
  };

  static styles = [baseStyles, socialStyles, feedStyles];

  constructor() {
    super();
    this.feed = 'home';
    this.pageSize = 10;
    this.items = [];
    this.hasMore = false;
    this.busy = false;
    this.cursor = null;
    this.announcement = '';
    this.fresh = 0;
  }

  connectedCallback() {
    super.connectedCallback();
    this.ticker = setInterval(() => this.requestUpdate(), TICK_MS);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    clearTimeout(this.announceTimer);
  }

  willUpdate(changed) {
    super.willUpdate(changed);
    if (changed.has('feed') && changed.get('feed') !== undefined && this.isConnected) this.reload();
  }

  reload() {
    this.endLive?.();
    this.endLive = null;
    this.items = [];
    this.hasMore = false;
    this.cursor = null;
    const query = feedQuery(this.feed);
    if (!query) {
      this.status = 'error';
      this.error = new TownhallError('NOT_FOUND');
      return;
    }
    this.endLive = this.live('ActivityAdded', { feed: this.feed || 'home' }, {
      next: (data) => this.prepend(data.activityAdded),
    });
    this.loadPage();
  }

  async loadPage() {
    const query = feedQuery(this.feed);
    this.busy = true;
    const variables = { ...query.variables, first: this.pageSize, after: this.cursor };
    const data = await this.track(this.query(query.operation, variables, { fresh: true }));
    this.busy = false;
    if (data === STALE) return;
    const page = query.page(data);
    if (!page) {
      this.status = 'error';
      this.error = new TownhallError('NOT_FOUND');
      return;
    }
    const seen = new Set(this.items.map((i) => i.id));
    this.items = [...this.items, ...page.nodes.filter((i) => !seen.has(i.id))];
    this.hasMore = page.pageInfo.hasNextPage;
    this.cursor = page.pageInfo.endCursor;
  }

  prepend(item) {
    if (!item?.id) return;
    this.busy = true;
    this.items = [item, ...this.items.filter((i) => !sameAggregate(i, item))];
    this.updateComplete.then(() => (this.busy = false));
    this.fresh += 1;
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(() => {
      // Emptied first, so that the same words said twice are announced twice.
      this.announcement = '';
      const count = this.fresh;
      this.fresh = 0;
      requestAnimationFrame(() => (this.announcement = this.t('activity-feed.newItems', { count })));
    }, ANNOUNCE_AFTER_MS);
  }

  /** The item's sentence: the gateway's own summary in English; the catalogue's words for
   * the verb in other languages (the gateway writes summaries in English only). */
  text(item) {
    if (catalogueFor(this.language) === 'en-GB') return item.summary;
    const actor = item.actors?.[0]?.displayName ?? this.t('activity-feed.someone');
    const others = item.actorCount - 1;
    const who = others > 0 ? this.t('activity-feed.actorAndOthers', { actor, count: others }) : actor;
    const object = item.document?.title ?? item.person?.displayName ?? (item.tag ? `#${item.tag}` : '');
    const key = `activity-feed.verb.${item.verb}`;
    const text = this.t(key, { actor: who, object });
    return text === key ? item.summary : text;
  }

  link(item) {
    if (item.document) return [documentHref(this, item.document), item.document.title];
    if (item.person) return [personHref(this, item.person), item.person.displayName];
    return [null, null];
  }

  onKeydown(event) {
    const articles = [...this.renderRoot.querySelectorAll('article')];
    const at = articles.indexOf(event.target.closest?.('article'));
    if (at < 0) return;
    let next = null;
    if (event.key === 'PageDown') next = articles[at + 1];
    else if (event.key === 'PageUp') next = articles[at - 1];
    else if (event.key === 'End' && event.ctrlKey) next = this.renderRoot.querySelector('.more');
    else if (event.key === 'Home' && event.ctrlKey) next = articles[0];
    else return;
    event.preventDefault();
    next?.focus();
  }

  renderItem(item, index) {
    const [href, label] = this.link(item);
    return html`<article
      part="item"
      tabindex="0"
      aria-posinset=${index + 1}
      aria-setsize=${this.hasMore ? -1 : this.items.length}
      aria-labelledby=${`item-${item.id}`}
    >
      <p class="summary" part="summary" id=${`item-${item.id}`}>${this.text(item)}</p>
      <div class="meta" part="meta">
        ${timeTag(this, item.createdAt)}
        ${href ? html` · <a part="link" href=${href}>${label}</a>` : nothing}
      </div>
    </article>`;
  }

  render() {
    const empty = this.status === 'ready' && this.items.length === 0;
    return html`<div
        role="feed"
        part="feed"
        aria-label=${this.t('activity-feed.label')}
        aria-busy=${this.busy ? 'true' : 'false'}
        @keydown=${this.onKeydown}
      >
        ${repeat(this.items, (item) => item.id, (item, index) => this.renderItem(item, index))}
      </div>
      ${empty ? this.renderEmpty('activity-feed.empty') : nothing} ${this.renderStatus()}
      ${this.hasMore && this.status !== 'loading'
        ? html`<button type="button" class="more" part="more" @click=${() => this.loadPage()}>
            ${this.t('activity-feed.more')}
          </button>`
        : nothing}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>`;
  }
}

define('townhall-activity-feed', TownhallActivityFeed);
