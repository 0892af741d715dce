/**
 * The base stylesheet every element adopts (a constructable stylesheet through Lit's `css`,
 * so it works under `style-src 'self'` with no 'unsafe-inline').
 *
 * Theme with these custom properties on the page (they inherit into the shadow roots):
 *   --townhall-font          font family                    (inherits the page's)
 *   --townhall-text          body text                      #0b0c0c
 *   --townhall-muted         secondary text                 #505a5f   (7:1 on white)
 *   --townhall-background    element background             #ffffff
 *   --townhall-surface       cards, hovered rows            #f3f2f1
 *   --townhall-border        dividers                       #b1b4b6
 *   --townhall-control-border  inputs and buttons' edges    #505a5f   (3:1 for UI, WCAG 1.4.11)
 *   --townhall-accent        links, primary buttons         #1d70b8   (5.2:1 on white)
 *   --townhall-accent-text   text on the accent             #ffffff
 *   --townhall-danger        error text                     #a8071a
 *   --townhall-focus-ring    keyboard focus outline         #0b0c0c
 *   --townhall-radius        corner radius                  6px
 *   --townhall-spacing       the unit of space              8px
 * Defaults meet 4.5:1 for text. Inside, rules use the private --th-* copies.
 */
import { css } from 'lit';

export const baseStyles = css`
  :host {
    --th-font: var(--townhall-font, inherit);
    --th-text: var(--townhall-text, #0b0c0c);
    --th-muted: var(--townhall-muted, #505a5f);
    --th-background: var(--townhall-background, #ffffff);
    --th-surface: var(--townhall-surface, #f3f2f1);
    --th-border: var(--townhall-border, #b1b4b6);
    --th-control-border: var(--townhall-control-border, #505a5f);
    --th-accent: var(--townhall-accent, #1d70b8);
    --th-accent-text: var(--townhall-accent-text, #ffffff);
    --th-danger: var(--townhall-danger, #a8071a);
    --th-focus: var(--townhall-focus-ring, #0b0c0c);
    --th-radius: var(--townhall-radius, 6px);
    --th-space: var(--townhall-spacing, 8px);
    display: block;
    box-sizing: border-box;
    font-family: var(--th-font);
    color: var(--th-text);
    background: var(--th-background);
    line-height: 1.4;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--th-focus);
    outline-offset: 2px;
  }
  a {
    color: var(--th-accent);
  }
  a:hover {
    text-decoration-thickness: 3px;
  }
  button,
  input {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    background: var(--th-background);
    padding: calc(var(--th-space) / 2) var(--th-space);
    min-height: 24px;
  }
  button.primary,
  button[aria-pressed='false'] {
    background: var(--th-accent);
    border-color: var(--th-accent);
    color: var(--th-accent-text);
  }
  button:disabled {
    cursor: default;
    opacity: 0.7;
  }
  button.link {
    border: 0;
    padding: 0;
    min-height: 0;
    background: none;
    color: var(--th-accent);
    text-decoration: underline;
  }
  input {
    border: 1px solid var(--th-control-border);
    border-radius: var(--th-radius);
    background: var(--th-background);
    padding: calc(var(--th-space) / 2) var(--th-space);
  }
  .status {
    color: var(--th-muted);
    margin: var(--th-space) 0;
    animation: th-pulse 1.5s ease-in-out infinite;
  }
  .error {
    color: var(--th-danger);
    margin: var(--th-space) 0;
  }
  .empty,
  .muted {
    color: var(--th-muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @keyframes th-pulse {
    50% {
      opacity: 0.55;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation: none !important;
      transition: none !important;
      scroll-behavior: auto !important;
    }
  }
  @media (forced-colors: active) {
    button.primary,
    button[aria-pressed='false'] {
      border: 1px solid ButtonText;
    }
  }
`;
