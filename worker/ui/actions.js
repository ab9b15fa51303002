// What can be done to one webhook, from its row's menu or its details page:
// activate or inactivate, send a test, rotate the secret, delete.

import { call, paths } from './api.js';
import { attemptSummary, clearErrors, field, formError, h, openDialog, secretPanel, showError } from './dom.js';
import { LIMITS } from './limits.js';

/**
 * The grace period the rotate dialog proposes: none, as the API's default
 * (a rotation meant to cut off a leaked secret must not keep it signing);
 * receivers that need time to switch are given it on purpose.
 */
const SUGGESTED_GRACE_SECONDS = 0;

/** Sets `active` on the webhook; resolves with the updated webhook. */
async function setActive(ctx, webhook, active) {
  const updated = await call('PATCH', paths.webhook(ctx.cache, webhook.id.webhookName), { body: { active } });
  ctx.toast(`${webhook.id.webhookName} is now ${active ? 'active' : 'inactive'}`);
  return updated;
}

/** Sends a test event and shows the attempt in a dialog. */
async function sendTest(ctx, webhook) {
  const name = webhook.id.webhookName;
  const attempt = await call('POST', `${paths.webhook(ctx.cache, name)}/test`);
  await openDialog(`Test sent to ${name}`, (close) => [
    h('p', { class: 'mono break', text: webhook.destination.postUrl }),
    attemptSummary(attempt),
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', onclick: () => close() }, 'Close')),
  ]);
  return attempt;
}

/**
 * Rotates the secret: asks for the grace period (and optionally the new
 * secret), then shows the new secret once.
 */
function rotateSecret(ctx, webhook) {
  const name = webhook.id.webhookName;
  return openDialog(`Rotate the secret of ${name}`, (close) => {
    const grace = h('input', { type: 'number', inputmode: 'numeric', min: LIMITS.minGraceSeconds, max: LIMITS.maxGraceSeconds, value: String(SUGGESTED_GRACE_SECONDS), required: true });
    const own = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false' });
    const error = formError();
    const body = h('div', { class: 'dialog-body' });
    const form = h('form', {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        clearErrors(form);
        const input = { graceSeconds: Number(grace.value) };
        if (grace.value.trim() === '' || !Number.isInteger(input.graceSeconds)) {
          showError(form, { code: 'invalid_grace_period', message: 'Give a whole number of seconds' }, { invalid_grace_period: 'rotate-grace' }, error);
          return;
        }
        if (own.value) input.secret = own.value;
        try {
          const result = await call('POST', `${paths.webhook(ctx.cache, name)}/secret/rotate`, { body: input });
          const until = result.graceEndsAt ? ` The old secret keeps signing until ${new Date(result.graceEndsAt).toLocaleString()}.` : '';
          form.replaceWith(h('div', {},
            secretPanel(result.secret, 'New secret'),
            h('p', { text: `Deliveries are now signed with the new secret.${until}` }),
            h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', onclick: () => close(result) }, 'Done'))));
          body.querySelector('.secret-panel button')?.focus();
        } catch (err) {
          showError(form, err, { invalid_grace_period: 'rotate-grace', invalid_secret: 'rotate-secret' }, error);
        }
      },
    },
    field('rotate-grace', 'Grace period (seconds)', grace,
      `How long the old secret keeps signing too, so receivers can switch (${LIMITS.minGraceSeconds} to ${LIMITS.maxGraceSeconds}).`),
    field('rotate-secret', 'New secret (optional)', own, 'Leave empty to generate one.'),
    error,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', onclick: () => close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Rotate secret')));
    body.append(form);
    return body;
  });
}

/** Deletes the webhook after a confirmation; resolves `true` if deleted. */
async function deleteWebhook(ctx, webhook) {
  const name = webhook.id.webhookName;
  const confirmed = await openDialog(`Delete ${name}?`, (close) => [
    h('p', { text: 'Deliveries stop at once, its attempt log is erased and its pending retries are dropped. This cannot be undone.' }),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', autofocus: true, onclick: () => close(false) }, 'Cancel'),
      h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, 'Delete webhook')),
  ]);
  if (!confirmed) return false;
  await call('DELETE', paths.webhook(ctx.cache, name));
  ctx.toast(`${name} was deleted`);
  return true;
}

/**
 * Runs `action`, reporting a failure in the toast; resolves with its
 * result, or `undefined` when it failed.
 */
async function reported(ctx, action) {
  try {
    return await action();
  } catch (err) {
    ctx.toast(`${err.message} (${err.code})`, true);
    return undefined;
  }
}

/**
 * The actions on `webhook`, as `{ label, run, danger? }`, for a menu or a
 * row of buttons: `changed()` runs after its state changed, `deleted()`
 * after it was deleted.
 */
export function webhookActions(ctx, webhook, { changed, deleted }) {
  // A read-only portal session changes nothing.
  if (ctx.portal?.readOnly) return [];
  const active = webhook.status.state === 'active';
  return [
    {
      label: active ? 'Inactivate' : 'Activate',
      run: async () => {
        if (await reported(ctx, () => setActive(ctx, webhook, !active))) await changed();
      },
    },
    { label: 'Send test', run: () => reported(ctx, () => sendTest(ctx, webhook)) },
    { label: 'Rotate secret', run: () => reported(ctx, () => rotateSecret(ctx, webhook)) },
    {
      label: 'Delete',
      danger: true,
      run: async () => {
        if (await reported(ctx, () => deleteWebhook(ctx, webhook))) await deleted();
      },
    },
  ];
}

/** Makes the webhook's undelivered messages pending again and says how many. */
export async function replayUndelivered(ctx, webhook) {
  const result = await reported(ctx, () => call('POST', `${paths.webhook(ctx.cache, webhook.id.webhookName)}/replay`, { body: {} }));
  if (result) ctx.toast(`${result.replayed} undelivered ${result.replayed === 1 ? 'message' : 'messages'} sent again`);
}
