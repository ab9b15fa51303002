// Building the page: elements from data (text only, never parsed as HTML),
// dialogs, copy-once secret panels and formatting.

import { routes } from './routes.js';

/**
 * Creates `<tag>` with `attrs` and `children`. Attributes starting with
 * `on` add listeners; `class`, `text` and boolean values are handled; strings
 * among the children become text nodes, so data is never read as markup.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'text') el.textContent = value;
    else if (name === 'value') el.value = value;
    else if (name === 'checked') el.checked = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates the SVG element `<tag>` with `attrs` (presentation attributes and
 * `class`; `text` sets its text) and `children`: drawn with DOM calls, so
 * the page's policy against inline styles holds.
 */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') el.textContent = value;
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A table cell labelled for the phone layout, where each row becomes a card
 * and the label stands beside the value.
 */
export function labelledCell(label, ...content) {
  return h('td', { 'data-label': label }, h('div', { class: 'cell' }, ...content));
}

/** The way back from a page to the list of its cache. */
export function backToList(cache) {
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: routes.list(cache), text: `Webhooks in ${cache}` }));
}

/** A `<time>` for `ms` since the epoch, in the reader's locale. */
export function time(ms) {
  if (ms === null || ms === undefined) return h('span', { class: 'muted', text: 'never' });
  const date = new Date(ms);
  return h('time', { datetime: date.toISOString(), title: date.toISOString() }, date.toLocaleString());
}

/** Scheme names as receivers know them. */
export const SCHEMES = {
  standard: 'Standard Webhooks v1 (HMAC)',
  'standard-v1a': 'Standard Webhooks v1a (Ed25519)',
  momento: 'Momento',
  github: 'GitHub',
  stripe: 'Stripe',
  commenda: 'Commenda',
};

/**
 * The status of a webhook as a badge; a disabled one says why, and since
 * when its deliveries failed when `failingSince` (ms) is known.
 */
export function statusBadge(status, failingSince) {
  const label = { active: 'Active', inactive: 'Inactive', disabled: 'Disabled' }[status.state] ?? status.state;
  const since = typeof failingSince === 'number' ? [' (failing since ', time(failingSince), ')'] : [];
  return h('span', { class: 'status' },
    h('span', { class: `badge badge-${status.state}`, text: label }),
    status.state === 'disabled' ? h('span', { class: 'reason' }, status.reason, ...since) : null);
}

/** `seconds` in its largest whole unit: `5 s`, `5 min`, `2 h`. */
export function duration(seconds) {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A short text for a retry setting. */
export function retryText(retry) {
  if (retry === 'default') return 'Default schedule';
  if (retry === 'none') return 'No retries';
  return `After ${retry.scheduleSeconds.map((s) => `${s} s`).join(', ')}`;
}

/**
 * Opens a modal dialog; `build(close)` gives its content. Escape and the
 * close button dismiss it; focus returns to where it was. Resolves with
 * the value given to `close`.
 */
export function openDialog(title, build) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' });
    const close = (value) => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(value);
    };
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(undefined);
    });
    dialog.append(h('h2', { id: 'dialog-title', text: title }), ...[build(close)].flat());
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * A secret shown once: read-only, selectable, with a copy button and the
 * warning that it will not be shown again.
 */
export function secretPanel(secret, label) {
  const input = h('input', { id: 'new-secret', class: 'secret', readonly: true, value: secret, spellcheck: 'false', autocomplete: 'off' });
  const feedback = h('span', { class: 'copy-feedback', role: 'status' });
  const copy = h('button', {
    type: 'button',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(secret);
        feedback.textContent = 'Copied';
      } catch {
        input.select();
        feedback.textContent = 'Selected: press Ctrl+C to copy';
      }
    },
  }, 'Copy');
  return h('div', { class: 'secret-panel' },
    h('label', { for: 'new-secret', text: label }),
    h('div', { class: 'secret-row' }, input, copy),
    feedback,
    h('p', { class: 'warning', text: 'Copy it now: it will not be shown again. Receivers verify deliveries with it.' }));
}

/** A field: label, control, hint and the place for its error message. */
export function field(id, label, control, hint) {
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h('div', { class: 'field', 'data-field': id },
    h('label', { for: id, text: label }),
    control,
    hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
    error);
}

/**
 * Shows the API error `err` next to the field its code is about (`fields`
 * maps codes to field ids), or in `fallback`. Returns the element shown.
 */
export function showError(form, err, fields, fallback) {
  clearErrors(form);
  const id = fields[err.code];
  const control = id ? form.querySelector(`#${id}`) : null;
  if (control) {
    const error = form.querySelector(`#${id}-error`);
    error.textContent = `${err.message} (${err.code})`;
    error.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    control.focus();
    return error;
  }
  fallback.textContent = `${err.message} (${err.code})`;
  fallback.hidden = false;
  fallback.focus();
  return fallback;
}

/** Hides every error message of `form`. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** A form-level error region, focusable so that it is announced. */
export function formError() {
  return h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true });
}

/** The outcome of one delivery attempt, as a sentence and its details. */
export function attemptSummary(attempt) {
  const result = attempt.delivered ? 'Delivered' : 'Failed';
  const parts = [
    attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : attempt.error?.code === 'auth_failed' ? 'not sent' : 'no response',
    `${attempt.latencyMs} ms`,
  ];
  return h('div', { class: 'attempt-result' },
    h('p', {}, h('span', { class: `badge ${attempt.delivered ? 'badge-active' : 'badge-disabled'}`, text: result }), ' ', parts.join(' · ')),
    attempt.error ? h('p', { class: 'error-text', text: attemptError(attempt.error) }) : null,
    h('p', { class: 'muted mono', text: `webhook-id ${attempt.webhookId}` }));
}

/**
 * Why an attempt failed, as a sentence with its code. An `auth_failed`
 * attempt got no access token, so nothing reached the endpoint: said, as
 * its status is empty.
 */
export function attemptError(error) {
  const sentence = error.message.charAt(0).toUpperCase() + error.message.slice(1);
  const note = error.code === 'auth_failed' ? '; nothing was sent to the endpoint' : '';
  return `${sentence}${note} (${error.code})`;
}
