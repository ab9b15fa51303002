// Portal mode: the page opened from a portal session's `url`, for a
// publisher's customer: one cache, no cache switcher, no API keys, no
// publishing or topic streams, and nothing that changes a webhook when the
// session is read-only. The service enforces all of it; the page only
// leaves out what would be refused.

import { session } from './api.js';

const PORTAL = 'edgehooks.portal';

/** Whether this document is the portal page (`/portal`). */
export const inPortal = document.querySelector('meta[name="edgehooks-portal"]') !== null;

/**
 * Takes a session from the address (`#token=…&cache=…&readOnly=1`) into
 * this tab's `sessionStorage` and removes it from the address and the
 * history at once; applies the deployment's accent colour. Answers the
 * portal session of this tab: `{ cache, readOnly }`, or `null`.
 */
export function startPortal(listRoute) {
  const accent = document.querySelector('meta[name="edgehooks-accent"]')?.content;
  if (accent) document.documentElement.style.setProperty('--accent', accent);
  if (location.hash.startsWith('#token=')) {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('token');
    const cache = fragment.get('cache');
    history.replaceState(null, '', location.pathname + (cache ? listRoute(cache) : ''));
    if (token && cache) {
      session.signIn(token);
      sessionStorage.setItem(PORTAL, JSON.stringify({ cache, readOnly: fragment.get('readOnly') === '1' }));
    }
  }
  return portalSession();
}

/** The portal session of this tab, `{ cache, readOnly }`, or `null`. */
export function portalSession() {
  if (!session.key) return null;
  try {
    const stored = JSON.parse(sessionStorage.getItem(PORTAL));
    return typeof stored?.cache === 'string' ? { cache: stored.cache, readOnly: stored.readOnly === true } : null;
  } catch {
    return null;
  }
}

/** Forgets this tab's portal session. */
export function endPortal() {
  session.signOut();
  sessionStorage.removeItem(PORTAL);
}
