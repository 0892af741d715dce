/**
 * Styles of the social widgets (comments, activity feed, notifications), on top of the
 * base stylesheet: constructable stylesheets through Lit's `css` (no inline style, so they
 * work under `style-src 'self'`), themed by the base's --townhall-* properties. Colours
 * keep 4.5:1 for text and 3:1 for control edges on the default background.
 */
import { css } from '../core/base.js';

/** Shared by the three: reaction toggles, text boxes, lists, the "show more" button. */
export const socialStyles = css`
  ul.plain {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  textarea {
    display: block;
    width: 100%;
    min-height: calc(var(--th-space) * 8);
    font: inherit;
    color: inherit;
    background: var(--th-background);
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    padding: var(--th-space);
    resize: vertical;
  }
  textarea[aria-invalid='true'] {
    border: 2px solid var(--th-danger);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: var(--th-space);
    align-items: center;
    margin-top: calc(var(--th-space) / 2);
  }
  .more {
    margin-top: var(--th-space);
  }
  .meta {
    color: var(--th-muted);
    font-size: 0.875em;
  }
  .author {
    font-weight: 600;
  }
  /* The base styles any aria-pressed=false button as a primary one (a follow button):
     reactions are quiet toggles, filled only when the viewer gave them. */
  button.reaction,
  button.reaction[aria-pressed='false'] {
    background: var(--th-background);
    border-color: var(--th-control-border);
    color: var(--th-text);
    border-radius: 999px;
    padding: 0 var(--th-space);
    font-size: 0.875em;
  }
  button.reaction[aria-pressed='true'] {
    background: var(--th-accent);
    border-color: var(--th-accent);
    color: var(--th-accent-text);
  }
  .form-error {
    color: var(--th-danger);
    margin: calc(var(--th-space) / 2) 0 0;
  }
`;

export const commentStyles = css`
  .comment {
    padding: var(--th-space) 0;
    border-top: 1px solid var(--th-border);
  }
  .replies {
    margin-left: calc(var(--th-space) * 3);
  }
  .replies .comment {
    border-top: 0;
    border-left: 3px solid var(--th-border);
    padding-left: var(--th-space);
  }
  .body p {
    margin: calc(var(--th-space) / 2) 0;
  }
  /* Mentions and tags are links without a destination in the sanitised HTML. */
  .body a.mention,
  .body a.tag {
    color: var(--th-accent);
    font-weight: 600;
    text-decoration: none;
  }
  .gone {
    font-style: italic;
    color: var(--th-muted);
  }
  form {
    margin-top: var(--th-space);
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: calc(var(--th-space) / 2);
  }
  .mentions {
    list-style: none;
    margin: 2px 0 0;
    padding: 2px;
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    background: var(--th-background);
    max-width: 28em;
  }
  .mentions li {
    padding: calc(var(--th-space) / 2) var(--th-space);
    border-radius: var(--th-radius);
    cursor: pointer;
    display: flex;
    flex-direction: column;
  }
  .mentions li[aria-selected='true'] {
    background: var(--th-accent);
    color: var(--th-accent-text);
    outline: 2px solid var(--th-focus);
  }
  .mentions li[aria-selected='true'] .muted {
    color: var(--th-accent-text);
  }
`;

export const feedStyles = css`
  article {
    padding: var(--th-space);
    border-bottom: 1px solid var(--th-border);
  }
  article:focus-visible {
    outline-offset: -3px;
  }
  .summary {
    margin: 0;
  }
`;

export const bellStyles = css`
  :host {
    display: inline-block;
    position: relative;
    background: transparent;
  }
  .bell {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--th-space) / 2);
  }
  .badge {
    background: var(--th-danger);
    color: #ffffff;
    border-radius: 999px;
    padding: 0 6px;
    font-size: 0.8em;
    font-weight: 700;
  }
  .panel {
    position: absolute;
    inset-inline-start: 0;
    z-index: 10;
    width: min(26em, 90vw);
    max-height: 70vh;
    overflow: auto;
    background: var(--th-background);
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    padding: var(--th-space);
    box-shadow: 0 4px 16px rgb(0 0 0 / 20%);
  }
  .panel h2 {
    font-size: 1em;
    margin: 0;
  }
  .notification {
    padding: var(--th-space) 0;
    border-top: 1px solid var(--th-border);
  }
  .notification.unread .text {
    font-weight: 600;
  }
  .notification.unread::before {
    content: '';
    display: inline-block;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--th-accent);
    margin-right: calc(var(--th-space) / 2);
  }
`;
