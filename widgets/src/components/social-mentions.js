/**
 * `@` mention suggestions for the comment boxes of <townhall-comments> (a Lit reactive
 * controller): typing `@` and a letter or more asks `people(search:)` (MentionSuggestions),
 * debounced, and lists the people under the box; Up/Down move through them, Enter or Tab
 * puts `@account ` in the text, Escape closes the list.
 *
 * Accessibility: the APG combobox pattern with a listbox popup, as far as a multi-line box
 * allows. ARIA gives role=combobox to single-line inputs only, so the textarea keeps its
 * own role (textbox), which supports aria-autocomplete, aria-controls and
 * aria-activedescendant: the option under the arrow keys is announced while focus stays in
 * the text, as GitHub's comment boxes do. How many suggestions there are is announced
 * politely through the host's live region (host.announce).
 *
 *   const mentions = new MentionController(host)   host: a TownhallElement with announce()
 *   ${mentions.fieldAttributes(form)}               (via the helpers below) on the textarea
 *   @input=${mentions.onInput} @keydown=${mentions.onKeydown}
 *   ${mentions.renderList(form)}                    the listbox, where `form` is open
 */
import { html, nothing } from '../core/base.js';

const DEBOUNCE_MS = 180;
const SHOWN = 6;

/** The gateway matches titles, departments and offices too ("pri" finds every Principal
 * Planner): people whose account or a word of whose name starts with the typed words come
 * first, in the gateway's (name) order otherwise. */
function rank(people, words) {
  const typed = words.toLowerCase().split(' ').filter(Boolean);
  const score = (person) => {
    const account = person.accountName.toLowerCase();
    const names = person.displayName.toLowerCase().split(/\s+/);
    if (account.startsWith(typed.join('.'))) return 0;
    if (typed.every((w) => names.some((n) => n.startsWith(w)))) return 1;
    return 2;
  };
  return people
    .filter((person) => person.accountName)
    .map((person, index) => [score(person), index, person])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , person]) => person);
}
// `@` at the start or after a space/punctuation (not an e-mail address), then the name so far.
const TYPED = /(?:^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}][\p{L}\p{N}._-]{0,63})$/u;

export class MentionController {
  constructor(host) {
    this.host = host;
    this.form = null; // which comment box the list belongs to
    this.field = null;
    this.start = 0; // where the `@` is in the text
    this.people = [];
    this.active = -1;
    this.timer = null;
    this.run = 0;
    this.onInput = (event) => this.typed(event.target);
    this.onKeydown = (event) => this.key(event);
    // Leaving the box closes its list (a click on an option lands first: it keeps focus).
    this.onBlur = (event) => {
      const field = event.target;
      setTimeout(() => {
        if (this.field === field && this.host.renderRoot.activeElement !== field) this.close();
      }, 150);
    };
    host.addController(this);
  }

  hostDisconnected() {
    clearTimeout(this.timer);
    this.run += 1;
  }

  isOpen(form) {
    return this.form === form && this.people.length > 0;
  }

  listId(form) {
    return `mentions-${form}`;
  }

  optionId(form, index) {
    return `mention-${form}-${index}`;
  }

  typed(field) {
    const before = field.value.slice(0, field.selectionStart ?? field.value.length);
    const match = TYPED.exec(before);
    if (!match) return this.close();
    this.field = field;
    this.form = field.dataset.form;
    this.start = before.length - match[1].length - 1;
    clearTimeout(this.timer);
    const words = match[1].replace(/[._-]+/g, ' ').trim();
    this.timer = setTimeout(() => this.search(words), DEBOUNCE_MS);
  }

  async search(words) {
    const run = ++this.run;
    let data;
    try {
      data = await this.host.query('MentionSuggestions', { search: words });
    } catch {
      return; // suggestions are a help: the text can still be typed in full
    }
    if (run !== this.run || !this.field) return;
    this.people = rank(data?.people?.nodes ?? [], words).slice(0, SHOWN);
    this.active = this.people.length ? 0 : -1;
    const count = this.people.length;
    this.host.announce(this.host.t(count ? 'comments.mentions.count' : 'comments.mentions.none', { count }));
    this.host.requestUpdate();
  }

  key(event) {
    if (event.isComposing || !this.isOpen(event.target.dataset.form)) return;
    const count = this.people.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : count - 1)) % count;
      this.host.requestUpdate();
    } else if ((event.key === 'Enter' || event.key === 'Tab') && this.active >= 0) {
      this.choose(this.people[this.active]);
    } else if (event.key === 'Escape') {
      this.close();
    } else {
      return;
    }
    // These keys belong to the list while it is open (Escape must not also close the form).
    event.preventDefault();
    event.stopPropagation();
  }

  choose(person) {
    const field = this.field;
    if (!field) return;
    const end = field.selectionStart ?? field.value.length;
    const inserted = `@${person.accountName} `;
    field.value = field.value.slice(0, this.start) + inserted + field.value.slice(end);
    const caret = this.start + inserted.length;
    field.setSelectionRange(caret, caret);
    field.focus();
    this.close();
    // The host keeps drafts from input events: tell it the text changed.
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }

  close() {
    clearTimeout(this.timer);
    this.run += 1;
    if (this.people.length || this.form) {
      this.people = [];
      this.active = -1;
      this.form = null;
      this.host.requestUpdate();
    }
  }

  /** aria-controls / aria-activedescendant values for the textarea of `form`. */
  controls(form) {
    return this.isOpen(form) ? this.listId(form) : nothing;
  }

  activeDescendant(form) {
    return this.isOpen(form) && this.active >= 0 ? this.optionId(form, this.active) : nothing;
  }

  renderList(form) {
    if (!this.isOpen(form)) return nothing;
    return html`<ul
      class="mentions"
      part="mentions"
      role="listbox"
      id=${this.listId(form)}
      aria-label=${this.host.t('comments.mentions.label')}
    >
      ${this.people.map(
        (person, index) => html`<li
          role="option"
          id=${this.optionId(form, index)}
          aria-selected=${index === this.active ? 'true' : 'false'}
          @mousedown=${(event) => event.preventDefault()}
          @click=${() => this.choose(person)}
        >
          <span class="name">${person.displayName}</span>
          <span class="muted">@${person.accountName}${person.title ? ` · ${person.title}` : ''}</span>
        </li>`,
      )}
    </ul>`;
  }
}
