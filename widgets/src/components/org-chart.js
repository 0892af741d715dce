/**
 * <townhall-org-chart person="account | UPN | Person id">
 *
 * The management chain above a person (top of the organisation first), the person, and
 * their direct reports below, as a WAI-ARIA tree (APG tree view pattern): role=tree,
 * treeitem, group, aria-expanded on nodes that have reports, one tab stop (roving
 * tabindex). Keys: Up/Down move, Right opens a node or moves to its first child, Left
 * closes it or moves to its parent, Home/End go to the first/last node, Enter (or a click
 * on the name) chooses a person, a letter moves to the next name starting with it.
 * A node's reports load when it is first opened (OrgChartReports); chain nodes show only
 * the line down to the person.
 *
 * Attributes: person, lang, endpoint, person-href ({id}, {account}: Enter or a click then
 * follows the link unless a townhall-person-selected listener cancels the event).
 * Events: townhall-person-selected {id}, townhall-error {code}.
 * Parts: tree, node, node-current, node-name, node-title, status, error, retry.
 */
import { STALE, TownhallElement, css, define, html, nothing } from '../core/base.js';
import { personHref, resolvePerson } from '../core/person.js';

export class TownhallOrgChart extends TownhallElement {
  static properties = {
    person: { type: String },
    roots: { state: true },
    focusId: { state: true },
    announcement: { state: true },
  };

  static styles = [
    TownhallElement.styles,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      [role='group'] {
        padding-left: calc(var(--th-space) * 3);
        border-left: 1px solid var(--th-border);
        margin-left: calc(var(--th-space) * 1.25);
      }
      [role='treeitem'] {
        outline: none;
      }
      .node {
        display: flex;
        gap: var(--th-space);
        align-items: baseline;
        padding: calc(var(--th-space) / 2) var(--th-space);
        border-radius: var(--th-radius);
        cursor: pointer;
      }
      .node:hover {
        background: var(--th-surface);
      }
      [role='treeitem']:focus-visible > .node {
        outline: 3px solid var(--th-focus);
        outline-offset: -3px;
      }
      [aria-current='true'] > .node .name {
        font-weight: 700;
      }
      .twisty {
        width: 1em;
        flex: none;
        color: var(--th-muted);
      }
      .title {
        color: var(--th-muted);
      }
    `,
  ];

  constructor() {
    super();
    this.person = '';
    this.nodes = new Map(); // id -> { person, children: id[] | null, hasChildren, expanded, parent }
    this.roots = [];
    this.focusId = null;
    this.subjectId = null;
    this.announcement = '';
  }

  willUpdate(changed) {
    super.willUpdate(changed);
    if (changed.has('person') && changed.get('person') !== undefined) this.reload();
  }

  async reload() {
    const data = await this.track(
      resolvePerson(this, this.person).then((id) => this.query('OrgChart', { id })),
    );
    if (data === STALE) return;
    const subject = data.person;
    if (!subject) {
      this.status = 'error';
      this.error = { code: 'NOT_FOUND' };
      return;
    }
    this.nodes = new Map();
    const chain = [...(subject.managementChain ?? [])].reverse();
    let parent = null;
    for (const boss of chain) {
      this.add(boss, parent, true);
      parent = boss.id;
    }
    this.add(subject, parent, (subject.directReports ?? []).length > 0);
    this.setChildren(subject.id, subject.directReports ?? []);
    this.subjectId = subject.id;
    this.roots = [chain[0]?.id ?? subject.id];
    this.focusId = subject.id;
  }

  add(person, parent, hasChildren) {
    const node = { person, children: null, hasChildren, expanded: false, parent };
    this.nodes.set(person.id, node);
    if (parent) {
      const up = this.nodes.get(parent);
      up.children = [...(up.children ?? []), person.id];
      up.expanded = true;
    }
    return node;
  }

  setChildren(id, reports) {
    const node = this.nodes.get(id);
    node.children = [];
    for (const report of reports) this.add(report, id, (report.directReports ?? []).length > 0);
    node.hasChildren = reports.length > 0;
    node.expanded = node.hasChildren;
  }

  async expand(id) {
    const node = this.nodes.get(id);
    if (!node?.hasChildren || node.expanded) return;
    if (node.children) {
      node.expanded = true;
      return this.requestUpdate();
    }
    this.announcement = this.t('org-chart.loadingReports', { name: node.person.displayName });
    try {
      const data = await this.query('OrgChartReports', { id });
      this.setChildren(id, data.person?.directReports ?? []);
      this.announcement = this.t('org-chart.reports', { count: node.children.length });
    } catch (error) {
      this.announcement = this.errorMessage(error);
    }
    this.requestUpdate();
  }

  collapse(id) {
    const node = this.nodes.get(id);
    if (node?.expanded) {
      node.expanded = false;
      this.requestUpdate();
    }
  }

  visible() {
    const out = [];
    const walk = (ids) => {
      for (const id of ids) {
        out.push(id);
        const node = this.nodes.get(id);
        if (node.expanded && node.children) walk(node.children);
      }
    };
    walk(this.roots);
    return out;
  }

  async moveTo(id) {
    if (!id) return;
    this.focusId = id;
    await this.updateComplete;
    this.renderRoot.querySelector(`[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  choose(event, id) {
    const person = this.nodes.get(id)?.person;
    if (!person) return;
    this.focusId = id;
    const proceed = this.emit('person-selected', { id });
    const href = personHref(this, person);
    if (proceed && href) window.location.assign(href);
    event.stopPropagation();
  }

  onKeydown(event) {
    const id = event.target.closest?.('[role="treeitem"]')?.dataset.id;
    const node = this.nodes.get(id);
    if (!node) return;
    const order = this.visible();
    const at = order.indexOf(id);
    const key = event.key;
    if (key === 'ArrowDown') this.moveTo(order[at + 1]);
    else if (key === 'ArrowUp') this.moveTo(order[at - 1]);
    else if (key === 'Home') this.moveTo(order[0]);
    else if (key === 'End') this.moveTo(order[order.length - 1]);
    else if (key === 'ArrowRight') {
      if (node.hasChildren && !node.expanded) this.expand(id);
      else if (node.expanded && node.children?.length) this.moveTo(node.children[0]);
    } else if (key === 'ArrowLeft') {
      if (node.expanded) this.collapse(id);
      else this.moveTo(node.parent);
    } else if (key === 'Enter') this.choose(event, id);
    else if (key.length === 1 && /\S/.test(key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const rest = [...order.slice(at + 1), ...order.slice(0, at)];
      const letter = key.toLocaleLowerCase();
      this.moveTo(rest.find((n) => this.nodes.get(n).person.displayName.toLocaleLowerCase().startsWith(letter)));
    } else return;
    event.preventDefault();
  }

  toggle(event, id) {
    event.stopPropagation();
    const node = this.nodes.get(id);
    this.focusId = id;
    if (node.expanded) this.collapse(id);
    else this.expand(id);
  }

  renderNode(id, index) {
    const node = this.nodes.get(id);
    const { person } = node;
    const label = `n${index.next++}`;
    const current = id === this.subjectId;
    return html`<li role="treeitem" data-id=${id} tabindex=${id === this.focusId ? 0 : -1}
      aria-labelledby=${label} aria-expanded=${node.hasChildren ? String(node.expanded) : nothing}
      aria-current=${current ? 'true' : nothing} @focus=${(e) => e.target === e.currentTarget && (this.focusId = id)}>
      <span class="node" part=${current ? 'node node-current' : 'node'} @click=${(e) => this.choose(e, id)}>
        <span class="twisty" aria-hidden="true" @click=${(e) => node.hasChildren && this.toggle(e, id)}
          >${node.hasChildren ? (node.expanded ? '▾' : '▸') : ''}</span>
        <span id=${label}><span class="name" part="node-name">${person.displayName}</span>${person.title
          ? html`<span class="title" part="node-title">, ${person.title}</span>`
          : nothing}</span>
      </span>
      ${node.expanded && node.children?.length
        ? html`<ul role="group">${node.children.map((c) => this.renderNode(c, index))}</ul>`
        : nothing}
    </li>`;
  }

  render() {
    if (!this.roots.length || this.status === 'error') return this.renderStatus();
    const subject = this.nodes.get(this.subjectId)?.person;
    return html`<ul role="tree" part="tree" aria-label=${this.t('org-chart.label', { name: subject?.displayName ?? '' })}
        @keydown=${this.onKeydown}>
        ${this.roots.map((id) => this.renderNode(id, { next: 0 }))}
      </ul>
      <p class="visually-hidden" role="status">${this.announcement}</p>`;
  }
}

define('townhall-org-chart', TownhallOrgChart);
