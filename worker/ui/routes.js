// The page's addresses: everything after `#`, so that one document serves
// every view and a reload keeps the view.

const enc = encodeURIComponent;

/** Builders for each view's address. */
export const routes = {
  list: (cache) => `#/c/${enc(cache)}`,
  create: (cache) => `#/c/${enc(cache)}/new`,
  details: (cache, name) => `#/c/${enc(cache)}/webhooks/${enc(name)}`,
  edit: (cache, name) => `#/c/${enc(cache)}/webhooks/${enc(name)}/edit`,
  topic: (cache, topic) => `#/c/${enc(cache)}/topics/${enc(topic)}`,
};

/**
 * The view named by `hash`: `{ view, cache, name?, topic? }`, or `null` when
 * it names none.
 */
export function parse(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (parts[0] !== 'c' || !parts[1]) return null;
  const cache = parts[1];
  const rest = parts.slice(2);
  if (rest.length === 0) return { view: 'list', cache };
  if (rest.length === 1 && rest[0] === 'new') return { view: 'create', cache };
  if (rest[0] === 'webhooks' && rest[1] && rest.length === 2) return { view: 'details', cache, name: rest[1] };
  if (rest[0] === 'webhooks' && rest[1] && rest.length === 3 && rest[2] === 'edit') return { view: 'edit', cache, name: rest[1] };
  if (rest[0] === 'topics' && rest[1] && rest.length === 2) return { view: 'topic', cache, topic: rest[1] };
  return null;
}
