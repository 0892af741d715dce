/**
 * How <townhall-comments> draws one comment (author, time, text, reactions, actions, its
 * replies and reply box) and a comment box (new, reply or edit, with `@` suggestions and the
 * error next to it). Kept apart from the element's state and writes (comments.js).
 *
 * The only HTML inserted as HTML is `Comment.bodyHtml`: the gateway escapes the text first,
 * then makes mentions and #tags links, then sanitises the result with an allow-list (nh3:
 * p, br and a with class/data-* only: no href, no style, no script). Everything else,
 * bodyText included, goes through Lit's text bindings.
 */
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { html, nothing } from '../core/base.js';
import { timeTag } from './social-format.js';

export const REACTIONS = [
  ['LIKE', '👍'],
  ['THANKS', '🙏'],
  ['INSIGHTFUL', '💡'],
  ['CELEBRATE', '🎉'],
  ['SUPPORT', '🤝'],
];

function renderBody(host, comment) {
  if (comment.state === 'DELETED') return html`<p class="gone">${host.t('comments.wasDeleted')}</p>`;
  if (comment.state === 'HIDDEN' && !comment.bodyHtml) {
    return html`<p class="gone">${host.t('comments.wasHidden')}</p>`;
  }
  // bodyHtml is sanitised by the gateway (see the module docstring): the one unsafeHTML.
  return html`<div class="body" part="body">${unsafeHTML(comment.bodyHtml ?? '')}</div>`;
}

function renderReactions(host, comment) {
  if (comment.state !== 'PUBLISHED') return nothing;
  const counts = new Map((comment.reactions ?? []).map((r) => [r.kind, r]));
  return html`<div class="row" part="reactions" role="group" aria-label=${host.t('comments.reactions')}>
    ${REACTIONS.map(([kind, symbol]) => {
      const given = counts.get(kind)?.viewerReacted ?? false;
      const count = counts.get(kind)?.count ?? 0;
      return html`<button
        type="button"
        class="reaction"
        part="reaction"
        aria-pressed=${given ? 'true' : 'false'}
        @click=${() => host.react(comment, kind, given)}
      >
        <span aria-hidden="true">${symbol}</span>
        <span class="visually-hidden">${host.t(`comments.reaction.${kind}`)}</span>
        ${count ? html`<span>${count}</span>` : nothing}
      </button>`;
    })}
  </div>`;
}

function renderActions(host, comment, isReply) {
  if (comment.state !== 'PUBLISHED') return nothing;
  const name = comment.author?.displayName ?? host.t('comments.formerStaff');
  if (host.confirming === comment.id) {
    return html`<div class="row" part="actions" role="group" aria-label=${host.t('comments.confirmDelete')}>
      <span>${host.t('comments.confirmDelete')}</span>
      <button type="button" class="primary" data-confirm=${comment.id} @click=${() => host.remove(comment)}>
        ${host.t('comments.delete')}
      </button>
      <button
        type="button"
        @click=${() => {
          host.confirming = null;
          host.focusLater(`[data-delete="${comment.id}"]`);
        }}
      >
        ${host.t('comments.cancel')}
      </button>
    </div>`;
  }
  return html`<div class="row" part="actions">
    ${isReply
      ? nothing
      : html`<button
          type="button"
          class="link"
          data-reply=${comment.id}
          aria-expanded=${host.replyTo === comment.id ? 'true' : 'false'}
          aria-label=${host.t('comments.replyTo', { name })}
          @click=${() => host.openReply(comment)}
        >
          ${host.t('comments.reply')}
        </button>`}
    ${comment.viewerCanEdit
      ? html`<button type="button" class="link" data-edit=${comment.id} @click=${() => host.openEdit(comment)}>
            ${host.t('comments.edit')}
          </button>
          <button type="button" class="link" data-delete=${comment.id} @click=${() => host.remove(comment)}>
            ${host.t('comments.delete')}
          </button>`
      : nothing}
  </div>`;
}

export function renderComment(host, comment, isReply) {
  const author = comment.author?.displayName ?? host.t('comments.formerStaff');
  const editing = host.editing === comment.id;
  const replies = comment.replies ?? [];
  return html`<article class="comment" part="comment" aria-labelledby=${`by-${comment.id}`}>
    <div class="meta">
      <span class="author" id=${`by-${comment.id}`}>${author}</span>
      · ${timeTag(host, comment.createdAt)}
      ${comment.editedAt ? html`· <span>${host.t('comments.editedMark')}</span>` : nothing}
    </div>
    ${editing
      ? renderForm(host, `edit:${comment.id}`, 'comments.edit.label', 'comments.edit.submit')
      : html`${renderBody(host, comment)} ${renderReactions(host, comment)}
        ${renderActions(host, comment, isReply)}`}
    ${replies.length
      ? html`<ul class="plain replies" aria-label=${host.t('comments.replies', { count: replies.length })}>
          ${repeat(replies, (r) => r.id, (r) => html`<li>${renderComment(host, r, true)}</li>`)}
        </ul>`
      : nothing}
    ${host.replyTo === comment.id
      ? html`<div class="replies">
          ${renderForm(host, `reply:${comment.id}`, 'comments.reply.label', 'comments.reply.submit', author)}
        </div>`
      : nothing}
  </article>`;
}

export function renderForm(host, form, labelKey, submitKey, name = '') {
  const id = `field-${form.replace(':', '-')}`;
  const error = host.errors.get(form);
  const busy = host.busy.has(form);
  const mentions = host.mentions;
  const closable = form !== 'new';
  return html`<form part="form" @submit=${(event) => host.submit(form, event)} novalidate>
    <label for=${id}>${host.t(labelKey, { name })}</label>
    <textarea
      id=${id}
      part="field"
      data-form=${form}
      rows="3"
      .value=${live(host.drafts.get(form) ?? '')}
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${error ? `${id}-error` : `${id}-hint`}
      aria-autocomplete="list"
      aria-controls=${mentions.controls(form)}
      aria-activedescendant=${mentions.activeDescendant(form)}
      @input=${(event) => {
        host.draftChanged(form, event);
        mentions.onInput(event);
      }}
      @keydown=${(event) => {
        mentions.onKeydown(event);
        if (event.defaultPrevented) return;
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) host.submit(form, event);
        else if (event.key === 'Escape' && closable) host.cancel(form);
      }}
      @blur=${mentions.onBlur}
    ></textarea>
    ${mentions.renderList(form)}
    ${error
      ? html`<p class="form-error" part="error" id=${`${id}-error`} role="alert">${error}</p>`
      : html`<p class="meta" id=${`${id}-hint`}>${host.t('comments.hint')}</p>`}
    <div class="row">
      <button type="submit" class="primary" part="submit" ?disabled=${busy}>
        ${busy ? host.t('comments.sending') : host.t(submitKey)}
      </button>
      ${closable
        ? html`<button type="button" @click=${() => host.cancel(form)}>${host.t('comments.cancel')}</button>`
        : nothing}
    </div>
  </form>`;
}
