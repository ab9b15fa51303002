// The page's entry: sign-in, the header, and the view for the address.

import { ApiError, call, paths, session } from './api.js';
import { renderDetails } from './details.js';
import { clearErrors, field, fill, formError, h, showError } from './dom.js';
import { renderForm } from './form.js';
import { renderList } from './list.js';
import { endPortal, inPortal, portalSession, startPortal } from './portal.js';
import { parse, routes } from './routes.js';
import { renderStream } from './stream.js';

const LAST_CACHE = 'edgehooks.cache';
const main = document.getElementById('main');
const header = document.getElementById('session');
const toastArea = document.getElementById('toast');
let stopView = () => {};
let toastTimer;
let renders = 0;

/** Shows a short message at the bottom of the page. */
function toast(text, isError = false) {
  toastArea.textContent = text;
  toastArea.dataset.kind = isError ? 'error' : 'info';
  toastArea.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastArea.hidden = true; }, 6000);
}

function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** The sign-in form; `notice` explains why it is shown again. */
function renderSignIn(cache, notice) {
  header.hidden = true;
  const key = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const cacheInput = h('input', { value: cache, autocomplete: 'off', spellcheck: 'false', required: true });
  const error = formError();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', {
    class: 'sign-in',
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      clearErrors(form);
      const fields = { invalid_name: 's-cache', unauthorized: 's-key', forbidden: 's-key' };
      if (!key.value.trim()) {
        showError(form, { code: 'unauthorized', message: 'Enter an API key' }, fields, error);
        return;
      }
      submit.disabled = true;
      // Names are used exactly as typed: spaces are part of a name.
      const cacheName = cacheInput.value;
      try {
        await call('GET', `${paths.webhooks(cacheName)}?limit=1`, { key: key.value.trim() });
        session.signIn(key.value.trim());
        localStorage.setItem(LAST_CACHE, cacheName);
        navigate(routes.list(cacheName));
      } catch (err) {
        showError(form, explain(err, cacheName), fields, error);
      } finally {
        submit.disabled = false;
      }
    },
  },
  field('s-key', 'API key', key, 'The admin key, or a key with manage permission on the cache. It is kept in this tab only and forgotten when the tab closes.'),
  field('s-cache', 'Cache', cacheInput, 'The namespace whose webhooks you manage.'),
  error,
  h('div', { class: 'buttons' }, submit));
  fill(main,
    h('section', { class: 'panel narrow' },
      h('h1', { text: 'Sign in' }),
      notice ? h('p', { class: 'form-error', role: 'alert', text: notice }) : null,
      form));
  key.focus();
}

/** What a failed sign-in means, in words. */
function explain(err, cache) {
  if (!(err instanceof ApiError)) return { code: 'error', message: String(err) };
  if (err.status === 401) return { code: err.code, message: 'This API key was not accepted: check that it is complete and has not been revoked' };
  if (err.status === 403) return { code: err.code, message: `This key cannot manage the cache “${cache}”` };
  return err;
}

/** What the portal shows without a session: its link ended or was used up. */
function renderPortalEnded(notice) {
  header.hidden = true;
  fill(main,
    h('section', { class: 'panel narrow' },
      h('h1', { text: 'Session ended' }),
      h('p', { role: 'alert', text: notice ?? 'This link has expired or was opened in another tab. Ask for a new link where you found it.' })));
}

/** The portal's header: the cache, and a way to end the session. */
function renderPortalHeader(portal) {
  fill(header,
    h('span', { class: 'muted', text: portal.readOnly ? `${portal.cache} · read-only` : portal.cache }),
    h('button', {
      type: 'button',
      onclick: () => {
        endPortal();
        renderPortalEnded('You ended this session.');
      },
    }, 'End session'));
  header.hidden = false;
}

/** The header once signed in: the cache, a way to switch it, sign-out. */
function renderHeader(cache) {
  const input = h('input', { id: 'switch-cache', value: cache, autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Cache' });
  fill(header,
    h('form', {
      class: 'inline',
      onsubmit: (event) => {
        event.preventDefault();
        if (input.value) navigate(routes.list(input.value));
      },
    }, h('label', { for: 'switch-cache', class: 'muted', text: 'Cache' }), input, h('button', { type: 'submit' }, 'Open')),
    h('button', {
      type: 'button',
      onclick: () => {
        session.signOut();
        render();
      },
    }, 'Sign out'));
  header.hidden = false;
}

async function render() {
  stopView();
  stopView = () => {};
  const generation = ++renders;
  // A view that finished loading after the address changed stops at once
  // (the details page loads before it starts refreshing).
  const keep = (stop) => {
    if (generation === renders) stopView = stop;
    else stop();
  };
  const route = parse(location.hash);
  const portal = inPortal ? portalSession() : null;
  if (inPortal) {
    if (!portal) {
      renderPortalEnded();
      return;
    }
    // One cache; no topic streams; nothing to create or edit read-only.
    const outside = !route || route.cache !== portal.cache || route.view === 'topic'
      || (portal.readOnly && (route.view === 'create' || route.view === 'edit'));
    if (outside) {
      navigate(routes.list(portal.cache));
      return;
    }
  }
  const cache = route?.cache ?? localStorage.getItem(LAST_CACHE) ?? 'default';
  if (!session.key) {
    renderSignIn(cache);
    return;
  }
  if (!route) {
    navigate(routes.list(cache));
    return;
  }
  if (portal) renderPortalHeader(portal);
  else {
    localStorage.setItem(LAST_CACHE, cache);
    renderHeader(cache);
  }
  // Each view renders into its own element: one still loading when the
  // address changes again fills an element no longer on the page.
  const view = h('div', { class: 'view' });
  fill(main, view);
  const ctx = { cache, navigate, toast, portal };
  document.title = `${route.name ?? route.topic ?? cache} · ${inPortal ? brand : 'edgehooks'}`;
  switch (route.view) {
    case 'list':
      await renderList(view, ctx);
      break;
    case 'create':
      renderForm(view, ctx);
      break;
    case 'edit':
      try {
        renderForm(view, ctx, await call('GET', paths.webhook(cache, route.name)));
      } catch (err) {
        fill(view, h('p', { class: 'form-error', role: 'alert', text: `${err.message} (${err.code})` }));
      }
      break;
    case 'details':
      keep(await renderDetails(view, ctx, route.name));
      break;
    case 'topic':
      stopView = renderStream(view, ctx, route.topic);
      break;
  }
}

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/') || location.hash === '') render();
});
window.addEventListener('edgehooks:unauthorized', () => {
  stopView();
  if (inPortal) {
    endPortal();
    renderPortalEnded();
    return;
  }
  session.signOut();
  const route = parse(location.hash);
  renderSignIn(route?.cache ?? 'default', 'Your API key is no longer accepted. Sign in again.');
});
// A click outside an open actions menu closes it.
document.addEventListener('click', (event) => {
  for (const menu of document.querySelectorAll('details.menu[open]')) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
toastArea.hidden = true;
// The portal's title, as the deployment set it.
const brand = document.title;
if (inPortal) startPortal(routes.list);
render();
