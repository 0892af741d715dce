/**
 * <townhall-person-card person="account | UPN | Person id">
 *
 * A colleague at a glance: photo, name, job title, team, manager, contact links, working
 * pattern and location (only what the viewer may see: absent fields are left out), a
 * follow button, and their latest activity. One request (PersonCard) per person; an
 * account or UPN is first resolved to an id (core/person.js).
 *
 * Attributes: person, lang, endpoint, person-href (link template for people: {id},
 * {account}; without it the manager is a button firing townhall-person-selected),
 * heading-level (the name's heading level, default 2).
 * Events: townhall-person-selected {id}, townhall-follow-changed {id, following},
 * townhall-error {code}.
 * Parts: card, header, photo, initials, name, title, team, details, manager, contact,
 * employment, follow, followers, activity, status, error, retry.
 */
import { STALE, TownhallElement, css, define, html, nothing } from '../core/base.js';
import { config } from '../core/config.js';
import { formatRelative } from '../core/i18n.js';
import { initials, personHref, personVariables } from '../core/person.js';

export class TownhallPersonCard extends TownhallElement {
  static properties = {
    person: { type: String },
    headingLevel: { type: Number, attribute: 'heading-level' },
    data: { state: true },
    busy: { state: true },
    actionError: { state: true },
    photoFailed: { state: true },
  };

  static styles = [
    TownhallElement.styles,
    css`
      .card {
        border: 1px solid var(--th-border);
        border-radius: var(--th-radius);
        padding: calc(var(--th-space) * 2);
        background: var(--th-background);
      }
      .header {
        display: flex;
        gap: calc(var(--th-space) * 2);
        align-items: center;
      }
      .photo,
      .initials {
        width: 64px;
        height: 64px;
        border-radius: 50%;
        flex: none;
        object-fit: cover;
      }
      .initials {
        display: grid;
        place-items: center;
        background: var(--th-surface);
        color: var(--th-text);
        font-weight: 700;
        font-size: 1.25rem;
      }
      .name {
        margin: 0;
        font-size: 1.25rem;
        font-weight: 700;
      }
      .header p {
        margin: 0;
      }
      .title {
        color: var(--th-text);
      }
      .team {
        color: var(--th-muted);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: calc(var(--th-space) / 2) calc(var(--th-space) * 2);
        margin: calc(var(--th-space) * 2) 0;
      }
      dt {
        color: var(--th-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        align-items: center;
        gap: var(--th-space);
        flex-wrap: wrap;
      }
      .activity {
        margin: calc(var(--th-space) * 2) 0 0;
        padding-top: var(--th-space);
        border-top: 1px solid var(--th-border);
      }
    `,
  ];

  constructor() {
    super();
    this.person = '';
    this.headingLevel = 2;
    this.data = null;
    this.busy = false;
    this.actionError = null;
    this.photoFailed = false;
  }

  willUpdate(changed) {
    super.willUpdate(changed);
    if (changed.has('person') && changed.get('person') !== undefined) this.reload();
  }

  async reload() {
    this.actionError = null;
    // One request: the card's query takes the account or UPN itself (no lookup first).
    const data = await this.track(
      personVariables(this.person).then((variables) => this.query('PersonCard', variables)),
    );
    if (data === STALE) return;
    if (!data.person) {
      this.status = 'error';
      this.error = { code: 'NOT_FOUND' };
      this.emit('error', { code: 'NOT_FOUND', operation: 'PersonCard' });
      return;
    }
    this.photoFailed = false;
    this.data = data;
  }

  select(event, person) {
    const proceed = this.emit('person-selected', { id: person.id });
    if (!proceed) event.preventDefault();
  }

  async toggleFollow() {
    const person = this.data.person;
    const following = !person.viewerIsFollowing;
    this.busy = true;
    this.actionError = null;
    try {
      const op = following ? 'FollowPerson' : 'UnfollowPerson';
      const data = await this.query(op, { id: person.id });
      const result = data.followPerson ?? data.unfollowPerson;
      if (result?.__typename !== 'FollowSuccess') {
        this.actionError = result?.message || this.t('core.error.other');
        return;
      }
      this.data = { ...this.data, person: { ...person, ...result.person } };
      this.emit('follow-changed', { id: person.id, following: result.person.viewerIsFollowing });
    } catch (error) {
      this.actionError = this.errorMessage(error);
    } finally {
      this.busy = false;
    }
  }

  /** The photo URL is relative when the gateway has no server.public_url: it is the gateway's.
   *  Only called when there is one: a person without a photo has a null photoUrl (initials). */
  photoSrc(person) {
    return new URL(person.photoUrl, new URL(this.endpoint || config().endpoint, document.baseURI)).href;
  }

  renderPersonLink(person, part) {
    const href = personHref(this, person);
    return href
      ? html`<a part=${part} href=${href} @click=${(e) => this.select(e, person)}>${person.displayName}</a>`
      : html`<button type="button" class="link" part=${part} @click=${(e) => this.select(e, person)}>
          ${person.displayName}
        </button>`;
  }

  renderDetail(key, value, part = nothing) {
    if (value === null || value === undefined || value === '') return nothing;
    return html`<dt>${this.t(`person-card.${key}`)}</dt>
      <dd part=${part}>${value}</dd>`;
  }

  render() {
    const person = this.data?.person;
    if (!person || this.status === 'error') return this.renderStatus();
    const job = person.employment ?? {};
    const title = job.jobTitle || person.title;
    const team = job.department || person.department;
    const location = job.workLocation || [person.office, person.locality].filter(Boolean).join(', ');
    const isMe = this.data.me?.id === person.id;
    const latest = person.activity?.nodes?.[0];
    const level = Math.min(6, Math.max(1, Number(this.headingLevel) || 2));
    return html`<article class="card" part="card" aria-labelledby="name">
      <div class="header" part="header">
        ${this.photoFailed || !person.photoUrl
          ? html`<span class="initials" part="initials" aria-hidden="true">${initials(person.displayName)}</span>`
          : html`<img class="photo" part="photo" src=${this.photoSrc(person)} alt="" width="64" height="64"
              @error=${() => (this.photoFailed = true)} />`}
        <div>
          <p class="name" part="name" id="name" role="heading" aria-level=${level}>${person.displayName}</p>
          ${title ? html`<p class="title" part="title">${title}</p>` : nothing}
          ${team ? html`<p class="team" part="team">${team}</p>` : nothing}
          ${person.isActive === false ? html`<p class="muted">${this.t('person-card.leaver')}</p>` : nothing}
        </div>
      </div>
      <dl part="details">
        ${person.manager
          ? html`<dt>${this.t('person-card.manager')}</dt>
              <dd>${this.renderPersonLink(person.manager, 'manager')}</dd>`
          : nothing}
        ${this.renderDetail('email', person.mail && html`<a part="contact" href="mailto:${person.mail}">${person.mail}</a>`)}
        ${this.renderDetail('telephone', person.telephone && html`<a part="contact" href="tel:${person.telephone.replace(/\s+/g, '')}">${person.telephone}</a>`)}
        ${this.renderDetail('mobile', person.mobile && html`<a part="contact" href="tel:${person.mobile.replace(/\s+/g, '')}">${person.mobile}</a>`)}
        ${this.renderDetail('workingPattern', job.workingPattern, 'employment')}
        ${this.renderDetail('workStyle', job.workStyle, 'employment')}
        ${this.renderDetail('location', location, 'employment')}
      </dl>
      <div class="actions">
        ${isMe
          ? nothing
          : html`<button type="button" part="follow" class=${person.viewerIsFollowing ? '' : 'primary'}
              ?disabled=${this.busy} @click=${this.toggleFollow}>
              ${this.t(person.viewerIsFollowing ? 'person-card.unfollow' : 'person-card.follow')}<span
                class="visually-hidden"> ${person.displayName}</span>
            </button>`}
        <span class="muted" part="followers">${this.t('person-card.followers', { count: person.followerCount })}</span>
      </div>
      ${this.actionError ? html`<p class="error" part="error" role="alert">${this.actionError}</p>` : nothing}
      <p class="activity" part="activity">
        ${latest
          ? html`<span class="muted">${this.t('person-card.lastActivity')}</span> ${latest.summary}
              <time datetime=${latest.createdAt}>(${formatRelative(this.language, latest.createdAt)})</time>`
          : html`<span class="muted">${this.t('person-card.noActivity')}</span>`}
      </p>
    </article>`;
  }
}

define('townhall-person-card', TownhallPersonCard);
