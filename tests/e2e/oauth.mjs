// A real OAuth 2.0 authorization server for the delivery-authentication
// tests: oidc-provider (an OpenID Certified implementation) on 127.0.0.1,
// issuing tokens with the client credentials grant (RFC 6749 section 4.4),
// introspecting (RFC 7662) and revoking them (RFC 7009). Tokens are issued,
// stored and checked by oidc-provider alone; this module only configures it,
// records the token requests it answers, and checks a receiver's
// `Authorization` header against it.
//
// What oidc-provider does with the token request parameters:
// - `scope`: scopes named in `scopes` are granted (and echoed as `scope` in
//   the token response); any other scope is dropped without an error.
// - `resource` (RFC 8707): one absolute URI; the token's audience (`aud` in
//   introspection) is that URI. Several `resource` values are refused with
//   400 `invalid_target`, and so is one outside `resources` when given.
// - `audience`: not an OAuth 2.0 parameter, and oidc-provider ignores it (it
//   is dropped before the grant runs): the token is issued without an
//   audience. With `audienceAsResource: true` it is taken as the resource
//   indicator when no `resource` is sent, as some servers treat it.
// - Client authentication: a client registered with `client_secret_basic`
//   may also authenticate with `client_secret_post` and the other way round
//   (oidc-provider accepts either for both), so which one was used is in
//   `requests()[i].authMethod`. With Basic, the client id and secret are
//   form-urlencoded before base64 (RFC 6749 section 2.3.1); a `%` or `+`
//   left raw is decoded and so fails, and so does anything decoded outside
//   printable ASCII (VSCHAR, RFC 6749 appendix A).
// - Only `application/x-www-form-urlencoded` bodies are read; JSON gets 400
//   `invalid_request`.
// - Lifetime: `expires_in` is the ttl; the token is valid until the whole
//   second `iat + ttl` (`iat` rounded down), so between ttl - 1 and ttl
//   seconds after it was issued.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

// oidc-provider 9 prints one warning when imported on a Node.js release
// older than 22; it runs on Node.js 20 all the same (oauth-server.test.mjs
// passes there), so that one line is left out.
const consoleWarn = console.warn;
console.warn = (...args) => {
  if (!String(args[0]).includes('Unsupported runtime')) consoleWarn(...args);
};
let Provider, errors, createMemoryAdapter;
try {
  ({ default: Provider, errors } = await import('oidc-provider'));
  ({ createMemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js'));
} finally {
  console.warn = consoleWarn;
}

const RECEIVER_ID = 'receiver';

/**
 * Starts an authorization server on 127.0.0.1 (a free port).
 *
 * - `clients`: `[{ clientId, clientSecret, authMethod, scope }]`;
 *   `authMethod` is `client_secret_basic` (default) or `client_secret_post`
 *   (what the client is registered with; see above), `scope` the scopes it
 *   may ask for (default: all of `scopes`).
 * - `tokenTtlSeconds`: lifetime of an access token (default 60).
 * - `scopes`: the scopes the server knows (default `['deliveries']`).
 * - `resources`: the resource indicators it accepts (default: any absolute
 *   URI without a fragment).
 * - `audienceAsResource`: take an `audience` parameter as the resource.
 *
 * Returns `{ issuer, tokenUrl, introspectionUrl, revocationUrl,
 * introspect(token), bearerCheck(header), revoke(token), revokeAll(),
 * setTokenTtl(seconds), requests(), waitForRequests(count, ms), close() }`.
 */
export async function startAuthorizationServer({
  clients = [],
  tokenTtlSeconds = 60,
  scopes = ['deliveries'],
  resources,
  audienceAsResource = false,
} = {}) {
  for (const c of clients) {
    if (!c.clientId || !c.clientSecret) throw new Error('each client needs a clientId and a clientSecret');
    if (c.clientId === RECEIVER_ID) throw new Error(`client id ${RECEIVER_ID} is reserved for introspection`);
    const method = c.authMethod ?? 'client_secret_basic';
    if (!['client_secret_basic', 'client_secret_post'].includes(method)) {
      throw new Error(`unknown authMethod ${method}`);
    }
  }
  let ttl = tokenTtlSeconds;
  const receiverSecret = randomBytes(24).toString('base64url');
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(0),
    // A signing key of its own (none is used for opaque tokens, but the
    // provider needs one to start without its development keys).
    jwks: { keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' }] },
    clients: [
      ...clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        token_endpoint_auth_method: c.authMethod ?? 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        ...(c.scope !== undefined ? { scope: c.scope } : {}),
      })),
      // The receivers' identity at the introspection and revocation endpoints.
      {
        client_id: RECEIVER_ID,
        client_secret: receiverSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    ttl: {
      ClientCredentials: () => ttl,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => {
          if (oneOf) return oneOf;
          if (audienceAsResource && ctx.oidc.route === 'token') return ctx.oidc.body?.audience || undefined;
          return undefined;
        },
        useGrantedResource: async () => false,
        getResourceServerInfo: async (ctx, resource) => {
          if (resources && !resources.includes(resource)) throw new errors.InvalidTarget();
          return { scope: scopes.join(' '), accessTokenFormat: 'opaque', accessTokenTTL: ttl };
        },
      },
    },
  });
  // Quiet: errors are answered to the client and recorded, not printed.
  provider.silent = true;
  provider.on('server_error', () => {});

  const seen = [];
  const waiters = new Set();
  const tokenPath = new URL('/token', issuer).pathname;
  provider.use(async (ctx, next) => {
    if (ctx.path !== tokenPath) return next();
    const at = Date.now();
    try {
      await next();
    } finally {
      seen.push(describe(ctx, at));
      for (const w of waiters) w();
    }
  });
  server.on('request', provider.callback());

  const introspectionUrl = `${issuer}/token/introspection`;
  const revocationUrl = `${issuer}/token/revocation`;
  const receiverAuth = `Basic ${Buffer.from(`${RECEIVER_ID}:${receiverSecret}`).toString('base64')}`;
  async function receiverCall(url, token) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: receiverAuth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** The introspection response (RFC 7662) for `token`. */
  const introspect = (token) => receiverCall(introspectionUrl, token);

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    introspectionUrl,
    revocationUrl,
    introspect,
    /**
     * What a receiver learns from an `Authorization` header: `{ active,
     * clientId, scope, aud, exp, token }`, or `{ active: false, reason }`
     * (`missing`, `not bearer`, `inactive`).
     */
    async bearerCheck(header) {
      if (!header) return { active: false, reason: 'missing' };
      const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
      if (!match) return { active: false, reason: 'not bearer' };
      const token = match[1];
      const info = await introspect(token);
      if (!info.active) return { active: false, reason: 'inactive', token };
      return { active: true, clientId: info.client_id, scope: info.scope, aud: info.aud, exp: info.exp, token };
    },
    /** Revokes one access token at the revocation endpoint. */
    async revoke(token) {
      await receiverCall(revocationUrl, token);
    },
    /** Revokes every access token issued so far; returns how many. */
    async revokeAll() {
      const tokens = [...new Set(seen.map((r) => r.accessToken).filter(Boolean))];
      for (const token of tokens) await receiverCall(revocationUrl, token);
      return tokens.length;
    },
    /** The lifetime of the tokens issued from now on. */
    setTokenTtl(seconds) { ttl = seconds; },
    /**
     * The requests to the token endpoint, oldest first: `{ at, method,
     * contentType, authMethod, clientId, grantType, scope, audience,
     * resource, params, status, error, errorDescription, accessToken,
     * expiresIn, grantedScope }`. `params` is the form without
     * `client_secret`.
     */
    requests: () => seen.map((r) => ({ ...r })),
    /** Resolves with `requests()` once there are `count` of them (or fails after `ms`). */
    async waitForRequests(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (seen.length < count) {
        if (Date.now() > deadline) throw new Error(`${seen.length} of ${count} token requests`);
        await new Promise((resolve) => {
          const done = () => { waiters.delete(done); clearTimeout(timer); resolve(); };
          const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
          waiters.add(done);
        });
      }
      return seen.map((r) => ({ ...r }));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** One token request as recorded by `requests()`. */
function describe(ctx, at) {
  const body = ctx.oidc?.body ?? {};
  const header = ctx.get('authorization');
  let authMethod = 'none';
  let clientId = body.client_id;
  if (/^basic /i.test(header)) {
    authMethod = 'client_secret_basic';
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    try {
      clientId = decodeURIComponent(decoded.slice(0, i === -1 ? undefined : i).replace(/\+/g, '%20'));
    } catch {
      clientId = decoded.slice(0, i === -1 ? undefined : i);
    }
  } else if (header) {
    authMethod = 'other';
  } else if (body.client_secret !== undefined) {
    authMethod = 'client_secret_post';
  }
  const { client_secret: _secret, ...params } = body;
  const response = ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) ? ctx.body : {};
  return {
    at,
    method: ctx.method,
    contentType: ctx.get('content-type') || undefined,
    authMethod,
    clientId,
    grantType: body.grant_type,
    scope: body.scope,
    audience: body.audience,
    resource: body.resource,
    params,
    status: ctx.status,
    error: response.error,
    errorDescription: response.error_description,
    accessToken: response.access_token,
    expiresIn: response.expires_in,
    grantedScope: response.scope,
  };
}

/**
 * Checks a Basic `Authorization` header against `username` and `password`
 * (RFC 7617, UTF-8): `{ active, username }` or `{ active: false, reason }`.
 */
export function basicCheck(header, { username, password }) {
  if (!header) return { active: false, reason: 'missing' };
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return { active: false, reason: 'not basic' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i === -1) return { active: false, reason: 'malformed' };
  const user = decoded.slice(0, i);
  if (user !== username || decoded.slice(i + 1) !== password) return { active: false, reason: 'wrong credentials', username: user };
  return { active: true, username: user };
}

/**
 * A receiver on 127.0.0.1 that checks every request's `Authorization`
 * header, by introspection at `authorizationServer` or against `basic`
 * (`{ username, password }`), and answers 401 with `WWW-Authenticate` when
 * the check fails. Otherwise `behave(path, entry)` may return `{ status,
 * delayMs, headers }` (default 204). Every request is recorded with its
 * check as `entry.auth`.
 */
export async function startProtectedReceiver({ authorizationServer, basic, behave = () => ({}) } = {}) {
  if (!authorizationServer === !basic) throw new Error('give either authorizationServer or basic');
  const requests = [];
  const waiters = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const header = req.headers.authorization;
      let auth;
      try {
        auth = authorizationServer ? await authorizationServer.bearerCheck(header) : basicCheck(header, basic);
      } catch (err) {
        auth = { active: false, reason: `check failed: ${err.message}` };
      }
      const entry = { path: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks), at: Date.now(), auth };
      requests.push(entry);
      for (const w of waiters) w();
      if (res.destroyed) return;
      if (!auth.active) {
        const challenge = authorizationServer
          ? `Bearer error="invalid_token"` : 'Basic realm="deliveries", charset="UTF-8"';
        res.writeHead(401, { 'www-authenticate': challenge });
        res.end();
        return;
      }
      const { status = 204, delayMs = 0, headers = {} } = behave(req.url, entry) ?? {};
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, headers);
        res.end();
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  const at = (path) => requests.filter((r) => r.path === path);
  return {
    base,
    requests,
    at,
    /** Resolves once `count` requests reached `path` (or fails after `ms`). */
    async waitFor(path, count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (at(path).length < count) {
        if (Date.now() > deadline) throw new Error(`${path}: ${at(path).length} of ${count} requests`);
        await new Promise((resolve) => {
          const done = () => { waiters.delete(done); clearTimeout(timer); resolve(); };
          const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
          waiters.add(done);
        });
      }
      return at(path);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
