/**
 * <townhall-people-finder mode="people | experts">
 *
 * A search box for colleagues: by name, job title, team or office (PeopleSearch), or
 * "who knows about" a topic (ExpertSearch), each expert with the reasons they rank. An
 * editable combobox with a list (APG combobox pattern): the input has role=combobox,
 * aria-expanded, aria-controls and aria-activedescendant; results are a role=listbox of
 * role=option. Typing searches after a pause (250 ms, at least two letters); Down/Up
 * move through the results, Enter chooses one, Escape closes the list (again: clears the
 * box). The number of results is announced through a polite live region.
 *
 * Attributes: mode (default people), first (results shown, default 10), lang, endpoint,
 * person-href ({id}, {account}: choosing follows the link unless a
 * townhall-person-selected listener cancels the event).
 * Events: townhall-person-selected {id}, townhall-error {code}.
 * Parts: finder, modes, label, input, listbox, option, option-name, option-title,
 * reasons, announcement, status, error, retry.
 */
import { STALE, TownhallElement, css, define, html, nothing } from '../core/base.js';
import { personHref } from '../core/person.js';

const MIN_LENGTH = 2;
const PAUSE = 250;

export class TownhallPeopleFinder extends TownhallElement {
  static properties = {
    mode: { type: String, reflect: true },
    first: { type: Number },
    text: { state: true },
    results: { state: true },
    active: { state: true },
    open: { state: true },
    announcement: { state: true },
  };

  static styles = [
    TownhallElement.styles,
    css`
      fieldset {
        border: 0;
        margin: 0 0 var(--th-space);
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        gap: var(--th-space) calc(var(--th-space) * 2);
      }
      legend {
        padding: 0;
        margin-bottom: calc(var(--th-space) / 2);
        font-weight: 700;
      }
      label {
        display: block;
      }
      fieldset label {
        display: inline-flex;
        gap: calc(var(--th-space) / 2);
        align-items: center;
      }
      input[type='radio'] {
        width: 20px;
        height: 20px;
        margin: 0;
        accent-color: var(--th-accent);
      }
      input[role='combobox'] {
        width: 100%;
        margin-top: calc(var(--th-space) / 2);
      }
      [role='listbox'] {
        list-style: none;
        margin: var(--th-space) 0 0;
        padding: 0;
        border: 1px solid var(--th-border);
        border-radius: var(--th-radius);
      }
      [role='option'] {
        padding: var(--th-space);
        cursor: pointer;
        border-bottom: 1px solid var(--th-border);
      }
      [role='option']:last-child {
        border-bottom: 0;
      }
      [role='option']:hover {
        background: var(--th-surface);
      }
      [role='option'][aria-selected='true'] {
        outline: 3px solid var(--th-focus);
        outline-offset: -3px;
        background: var(--th-surface);
      }
      .name {
        font-weight: 700;
      }
      .title,
      .reasons {
        display: block;
        color: var(--th-muted);
      }
      .announcement {
        margin: var(--th-space) 0 0;
        color: var(--th-muted);
      }
    `,
  ];

  constructor() {
    super();
    this.mode = 'people';
    this.first = 10;
    this.text = '';
    this.results = [];
    this.active = -1;
    this.open = false;
    this.announcement = '';
    this.timer = null;
  }

  get experts() {
    return this.mode === 'experts';
  }

  willUpdate(changed) {
    super.willUpdate(changed);
    if (changed.has('mode') && changed.get('mode') !== undefined) this.reload();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  onInput(event) {
    this.text = event.target.value;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), PAUSE);
  }

  async reload() {
    const text = this.text.trim();
    if (text.length < MIN_LENGTH) {
      this._run += 1; // drop answers on their way
      this.status = 'idle';
      this.results = [];
      this.open = false;
      this.announcement = text ? this.t('people-finder.tooShort', { count: MIN_LENGTH }) : '';
      return;
    }
    this.announcement = this.t('people-finder.searching');
    const first = Math.min(50, Math.max(1, Number(this.first) || 10));
    const data = await this.track(
      this.experts
        ? this.query('ExpertSearch', { topic: text, first })
        : this.query('PeopleSearch', { search: text, first }),
    );
    if (data === STALE) {
      if (this.status === 'error') this.announcement = '';
      return;
    }
    this.results = this.experts
      ? (data.experts ?? []).map((e) => ({ ...e.person, reasons: e.reasons }))
      : (data.people?.nodes ?? []);
    const count = this.experts ? this.results.length : (data.people?.totalCount ?? this.results.length);
    this.active = -1;
    this.open = this.results.length > 0;
    this.announcement = this.t('people-finder.found', { count });
  }

  choose(index) {
    const person = this.results[index];
    if (!person) return;
    this.active = index;
    const proceed = this.emit('person-selected', { id: person.id });
    const href = personHref(this, person);
    if (proceed && href) window.location.assign(href);
  }

  onKeydown(event) {
    const count = this.results.length;
    if (event.key === 'ArrowDown' && count) {
      this.open = true;
      this.active = (this.active + 1) % count;
    } else if (event.key === 'ArrowUp' && count) {
      this.open = true;
      this.active = this.active <= 0 ? count - 1 : this.active - 1;
    } else if (event.key === 'Enter' && this.open && this.active >= 0) {
      this.choose(this.active);
    } else if (event.key === 'Escape') {
      if (this.open) {
        this.open = false;
        this.active = -1;
      } else {
        this.text = '';
        event.target.value = '';
        this.reload();
      }
    } else return;
    event.preventDefault();
  }

  updated(changed) {
    if (changed.has('active') && this.active >= 0) {
      this.renderRoot.getElementById(`option-${this.active}`)?.scrollIntoView({ block: 'nearest' });
    }
  }

  setMode(event) {
    this.mode = event.target.value;
  }

  renderReasons(reasons) {
    if (!reasons?.length) return nothing;
    const known = ['DECLARED_SKILL', 'ENDORSED', 'INTEREST', 'JOB_TITLE', 'DEPARTMENT', 'WROTE_DOCUMENTS'];
    const text = reasons
      .slice(0, 3)
      .map((r) => `${this.t(`people-finder.reason.${known.includes(r.kind) ? r.kind : 'other'}`)}: ${r.detail}`)
      .join('; ');
    return html`<span class="reasons" part="reasons">${text}</span>`;
  }

  render() {
    const listed = this.open && this.results.length > 0;
    const mode = this.experts ? 'experts' : 'people';
    return html`<div part="finder" role="search" aria-label=${this.t('people-finder.label')}>
      <fieldset part="modes">
        <legend>${this.t('people-finder.mode')}</legend>
        ${['people', 'experts'].map(
          (m) => html`<label><input type="radio" name="mode" value=${m} .checked=${mode === m}
            @change=${this.setMode} />${this.t(`people-finder.mode.${m}`)}</label>`,
        )}
      </fieldset>
      <label for="input" part="label">${this.t(`people-finder.input.${mode}`)}</label>
      <input id="input" part="input" type="text" role="combobox" autocomplete="off" spellcheck="false"
        aria-autocomplete="list" aria-controls="listbox" aria-expanded=${String(listed)}
        aria-activedescendant=${listed && this.active >= 0 ? `option-${this.active}` : nothing}
        .value=${this.text} @input=${this.onInput} @keydown=${this.onKeydown} />
      <ul id="listbox" role="listbox" part="listbox" ?hidden=${!listed}
        aria-label=${this.t(`people-finder.results.${mode}`, { topic: this.text.trim() })}>
        ${this.results.map(
          (person, i) => html`<li role="option" id="option-${i}" part="option" aria-selected=${String(i === this.active)}
            @mousedown=${(e) => e.preventDefault()} @click=${() => this.choose(i)}>
            <span class="name" part="option-name">${person.displayName}</span>
            <span class="title" part="option-title">${[person.title, person.department].filter(Boolean).join(' · ')}</span>
            ${this.renderReasons(person.reasons)}
          </li>`,
        )}
      </ul>
      <p class="announcement" part="announcement" role="status">${this.status === 'error' ? '' : this.announcement}</p>
      ${this.status === 'error' ? this.renderStatus() : nothing}
    </div>`;
  }
}

define('townhall-people-finder', TownhallPeopleFinder);
