/**
 * <townhall-comments target="<global id>">: the comment thread of a person's profile or a
 * document (ActivityItem ids too: posting and live comments, since the schema has no query
 * for one activity item's thread), oldest first, with "show more"; post, reply (one level),
 * edit and delete one's own, react, `@` mentions with suggestions.
 *
 * Attributes: target (Person, Document or ActivityItem id), page-size (default 10),
 *   lang, endpoint. Events: townhall-comment-added {id, targetId} when the viewer posts,
 *   townhall-error {code, operation} (refused writes too: RATE_LIMITED, INVALID_INPUT...).
 * Parts: thread, comment, body, reactions, reaction, actions, form, field, submit, error,
 *   mentions, more, status, empty.
 * Live: subscribes to commentEvents(targetId) and merges ADDED / EDITED / DELETED by id, so
 *   the viewer's own post (answered by the mutation and echoed by the event) shows once.
 * Writes carry a clientMutationId kept for the same text: a write whose answer was lost is
 *   retried (twice, then by the person) without writing twice.
 */
import { repeat } from 'lit/directives/repeat.js';
import { STALE, TownhallElement, baseStyles, define, html, nothing } from '../core/base.js';
import { TownhallError, request } from '../core/client.js';
import { MentionController } from './social-mentions.js';
import { renderComment, renderForm } from './social-comment-view.js';
import { kindOfId, refusal, retryKey } from './social-format.js';
import { commentStyles, socialStyles } from './social-styles.js';
import {
  emptyThread,
  findComment,
  withComment,
  withDeleted,
  withPage,
} from './social-thread.js';

const RETRIES = [500, 1500]; // ms before each automatic retry of a write that got no answer
const CODES = {
  RateLimitedError: 'RATE_LIMITED',
  InvalidInputError: 'INVALID_INPUT',
  NotAllowedError: 'NOT_ALLOWED',
  NotFoundError: 'NOT_FOUND',
};

export class TownhallComments extends TownhallElement {
  static properties = {
    target: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    thread: { state: true },
    hasMore: { state: true },
    replyTo: { state: true },
    editing: { state: true },
    confirming: { state: true },
    announcement: { state: true },
  };

  static styles = [baseStyles, socialStyles, commentStyles];

  constructor() {
    super();
    this.target = '';
    this.pageSize = 10;
    this.thread = emptyThread();
    this.hasMore = false;
    this.cursor = null;
    this.replyTo = null; // comment id whose reply box is open
    this.editing = null; // comment id being edited
    this.confirming = null; // comment id whose deletion awaits "Delete" again
    this.drafts = new Map(); // form -> text
    this.errors = new Map(); // form -> message shown next to it
    this.keys = new Map(); // form -> { key, text }: the clientMutationId of that text
    this.busy = new Set(); // forms and reaction buttons waiting for an answer
    this.announcement = '';
    this.mentions = new MentionController(this);
  }

  willUpdate(changed) {
    super.willUpdate(changed);
    if (changed.has('target') && changed.get('target') !== undefined && this.isConnected) {
      this.reload();
    }
  }

  reload() {
    this.endLive?.();
    this.endLive = null;
    this.thread = emptyThread();
    this.hasMore = false;
    this.cursor = null;
    if (!this.target) return;
    this.endLive = this.live(
      'CommentEvents',
      { targetId: this.target },
      { next: (data) => this.merge(data.commentEvents) },
    );
    this.loadPage();
  }

  async loadPage() {
    if (kindOfId(this.target) === 'ActivityItem') {
      this.thread = withPage(this.thread, [], false);
      this.status = 'ready';
      return;
    }
    const variables = { id: this.target, first: this.pageSize, after: this.cursor };
    const data = await this.track(this.query('CommentThread', variables, { fresh: true }));
    if (data === STALE) return;
    const page = data?.node?.commentThread ?? data?.node?.profileComments;
    if (!page) {
      this.status = 'error';
      this.error = new TownhallError('NOT_FOUND');
      return;
    }
    this.thread = withPage(this.thread, page.nodes, page.pageInfo.hasNextPage);
    this.hasMore = page.pageInfo.hasNextPage;
    this.cursor = page.pageInfo.endCursor;
  }

  merge(event) {
    if (!event) return;
    if (event.kind === 'DELETED' && !event.comment) this.thread = withDeleted(this.thread, event.commentId);
    else if (event.comment) this.thread = withComment(this.thread, event.comment);
  }

  announce(text) {
    // Clearing first makes a repeated message ("Comment posted") announced again.
    this.announcement = '';
    requestAnimationFrame(() => (this.announcement = text));
  }

  focusLater(selector) {
    this.updateComplete.then(() => this.renderRoot.querySelector(selector)?.focus());
  }

  draftChanged(form, event) {
    this.drafts.set(form, event.target.value);
    if (this.errors.delete(form)) this.requestUpdate();
  }

  async write(operationName, input) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const data = await request(operationName, { input }, { endpoint: this.endpoint });
        return Object.values(data)[0];
      } catch (error) {
        // No answer: the same clientMutationId makes the retry harmless if it was written.
        if (error?.code === 'NETWORK' && attempt < RETRIES.length) {
          await new Promise((resolve) => setTimeout(resolve, RETRIES[attempt]));
          continue;
        }
        return error;
      }
    }
  }

  async submit(form, event) {
    event.preventDefault();
    if (this.busy.has(form)) return;
    const text = (this.drafts.get(form) ?? '').trim();
    if (!text) {
      this.errors.set(form, this.t('comments.error.empty'));
      this.requestUpdate();
      this.focusLater(`textarea[data-form="${form}"]`);
      return;
    }
    let key = this.keys.get(form);
    if (!key || key.text !== text) this.keys.set(form, (key = { key: retryKey(), text }));
    const [verb, id] = form.split(':');
    const [operation, input] =
      verb === 'edit'
        ? ['EditComment', { commentId: id, body: text, clientMutationId: key.key }]
        : ['AddComment', { targetId: this.target, body: text, replyToId: id ?? null, clientMutationId: key.key }];
    this.busy.add(form);
    this.errors.delete(form);
    this.mentions.close();
    this.requestUpdate();
    const outcome = await this.write(operation, input);
    this.busy.delete(form);
    if (outcome?.__typename !== 'CommentSuccess') {
      this.fail(form, operation, outcome);
      return;
    }
    this.thread = withComment(this.thread, outcome.comment);
    this.drafts.delete(form);
    this.keys.delete(form);
    if (verb === 'edit') {
      this.editing = null;
      this.announce(this.t('comments.edited'));
      this.focusLater(`[data-edit="${id}"]`);
      return;
    }
    this.announce(this.t('comments.posted'));
    this.emit('comment-added', { id: outcome.comment.id, targetId: this.target });
    if (verb === 'reply') {
      this.replyTo = null;
      this.focusLater(`[data-reply="${id}"]`);
    }
  }

  fail(form, operation, outcome) {
    this.errors.set(form, refusal(this, 'comments', outcome));
    this.emit('error', { code: CODES[outcome?.__typename] ?? outcome?.code ?? 'ERROR', operation });
    this.requestUpdate();
    this.focusLater(`textarea[data-form="${form}"]`);
  }

  async react(comment, kind, given) {
    const busyKey = `react:${comment.id}:${kind}`;
    if (this.busy.has(busyKey)) return;
    this.busy.add(busyKey);
    const operation = given ? 'Unreact' : 'React';
    const outcome = await this.write(operation, { itemId: comment.id, reaction: kind });
    this.busy.delete(busyKey);
    if (outcome?.__typename === 'ReactionSuccess') {
      this.thread = withComment(this.thread, { ...findComment(this.thread, comment.id), reactions: outcome.reactions });
    } else {
      this.emit('error', { code: CODES[outcome?.__typename] ?? outcome?.code ?? 'ERROR', operation });
      this.announce(refusal(this, 'comments', outcome));
    }
  }

  async remove(comment) {
    if (this.confirming !== comment.id) {
      this.confirming = comment.id;
      this.focusLater(`[data-confirm="${comment.id}"]`);
      return;
    }
    this.confirming = null;
    const outcome = await this.write('DeleteComment', { commentId: comment.id });
    if (outcome?.__typename === 'CommentSuccess') {
      this.thread = withComment(this.thread, outcome.comment);
      this.announce(this.t('comments.deleted'));
      this.focusLater('textarea[data-form="new"]');
    } else {
      this.emit('error', { code: CODES[outcome?.__typename] ?? outcome?.code ?? 'ERROR', operation: 'DeleteComment' });
      this.announce(refusal(this, 'comments', outcome));
    }
  }

  openReply(comment) {
    this.replyTo = comment.id;
    this.editing = null;
    this.focusLater(`textarea[data-form="reply:${comment.id}"]`);
  }

  openEdit(comment) {
    this.editing = comment.id;
    this.replyTo = null;
    this.drafts.set(`edit:${comment.id}`, comment.bodyText ?? '');
    this.focusLater(`textarea[data-form="edit:${comment.id}"]`);
  }

  cancel(form) {
    const [verb, id] = form.split(':');
    this.drafts.delete(form);
    this.errors.delete(form);
    this.mentions.close();
    if (verb === 'edit') this.editing = null;
    else this.replyTo = null;
    this.focusLater(verb === 'edit' ? `[data-edit="${id}"]` : `[data-reply="${id}"]`);
  }

  render() {
    const all = [...this.thread.comments, ...this.thread.tail];
    const loading = this.status === 'loading' && all.length === 0;
    return html`<section aria-label=${this.t('comments.label')}>
      ${all.length
        ? html`<ul class="plain thread" part="thread">
            ${repeat(all, (c) => c.id, (c) => html`<li>${renderComment(this, c, false)}</li>`)}
          </ul>`
        : this.status === 'ready'
          ? this.renderEmpty('comments.empty')
          : nothing}
      ${this.renderStatus()}
      ${this.hasMore && this.status !== 'loading'
        ? html`<button type="button" class="more" part="more" @click=${() => this.loadPage()}>
            ${this.t('comments.more')}
          </button>`
        : nothing}
      ${loading || this.status === 'error' || !this.target
        ? nothing
        : renderForm(this, 'new', 'comments.new.label', 'comments.new.submit')}
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
    </section>`;
  }
}

define('townhall-comments', TownhallComments);
