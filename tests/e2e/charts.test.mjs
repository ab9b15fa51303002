// Delivery statistics per hour and the details page's charts, against
// `wrangler dev`: a receiver on 127.0.0.1 answers some deliveries 204 and
// some 500, each after a known delay; the statistics call counts them by
// hour with latency percentiles consistent with the delays; the page
// draws them (bars, points, and a table for screen readers) and shows a
// disabled webhook's failures with a human time.
// Screenshots go to tests/e2e/artifacts/ (or $EDGEHOOKS_ARTIFACTS).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertDocumented, assertSchema, client, eventually, newDeployment, startReceiver, startWorker, artifacts, launchChromium } from './harness.mjs';

const HOUR_MS = 3_600_000;

/** What the receiver does: delivered after 30 ms, failed (500) after 400 ms. */
const OK_DELAY_MS = 30;
const FAIL_DELAY_MS = 400;
const DELIVERED = 6;
const FAILED = 3;

let deployment;
let worker;
let receiver;
let api;
let browser;
let page;
const problems = [];
const elsewhere = [];

before(async () => {
  // A webhook failing for 2 s without a success is disabled.
  deployment = newDeployment({ AUTO_DISABLE_AFTER_SECONDS: '2' });
  worker = await startWorker(deployment);
  receiver = await startReceiver((path, entry) => {
    if (path === '/down') return { status: 500 };
    return entry.body.toString().includes('fail') ? { status: 500, delayMs: FAIL_DELAY_MS } : { status: 204, delayMs: OK_DELAY_MS };
  });
  api = client(worker.url, deployment.adminKey);
});

after(async () => {
  await browser?.close();
  receiver?.close();
  await worker?.stop();
  deployment?.remove();
  assert.deepEqual(elsewhere, [], 'the page requested other origins');
  assert.deepEqual(problems, [], 'the page reported errors');
});

const statistics = (query = '') => api('GET', `/v1/caches/shop/webhooks/charts-hook/statistics${query}`);
const counted = (hours) => hours.filter((h) => h.delivered + h.failed > 0);
const sum = (hours, field) => hours.reduce((n, h) => n + h[field], 0);

test('attempts are counted per hour with latency percentiles; test events are not', async () => {
  const created = await api('PUT', '/v1/caches/shop/webhooks/charts-hook', {
    body: { topics: ['charts'], destination: { postUrl: `${receiver.base}/charts` }, retry: 'none' },
  });
  assert.equal(created.status, 201, created.text);
  // Before any attempt: every hour empty.
  const empty = await statistics();
  assert.equal(empty.status, 200);
  assertDocumented('getWebhookStatistics', empty);
  assert.equal(empty.json.hours.length, 168);
  assert.deepEqual(counted(empty.json.hours), []);
  assert.ok(empty.json.hours.every((h) => h.p50Ms === null && h.p95Ms === null));

  for (let i = 0; i < DELIVERED; i += 1) {
    assert.equal((await api('POST', '/v1/caches/shop/topics/charts', { raw: `ok ${i}` })).status, 200);
  }
  for (let i = 0; i < FAILED; i += 1) {
    assert.equal((await api('POST', '/v1/caches/shop/topics/charts', { raw: `fail ${i}` })).status, 200);
  }
  const test = await api('POST', '/v1/caches/shop/webhooks/charts-hook/test');
  assert.equal(test.status, 200);
  assert.equal(test.json.delivered, true);
  // Every attempt logged (the test event too), then the counts.
  await eventually(async () => {
    const log = await api('GET', '/v1/caches/shop/webhooks/charts-hook/attempts?limit=100');
    return log.json.attempts.length === DELIVERED + FAILED + 1;
  }, 30_000, 'all attempts logged');
  const before = Date.now();
  const answer = await statistics('?hours=168');
  const afterwards = Date.now();
  assert.equal(answer.status, 200);
  assertDocumented('getWebhookStatistics', answer);
  const { hours } = answer.json;
  assert.equal(hours.length, 168);
  for (const hour of hours) assertSchema('HourStatistics', hour);
  assert.ok(hours.every((h, i) => i === 0 || h.hour === hours[i - 1].hour + HOUR_MS), 'consecutive hours, oldest first');
  const last = hours[167].hour;
  assert.ok(last === before - (before % HOUR_MS) || last === afterwards - (afterwards % HOUR_MS), 'ends with the current hour');
  // Test events are not counted.
  assert.equal(sum(hours, 'delivered'), DELIVERED);
  assert.equal(sum(hours, 'failed'), FAILED);
  const busy = counted(hours);
  assert.ok(busy.length >= 1 && busy.length <= 2, `${busy.length} hours with attempts`);
  for (const hour of busy) {
    // Bin upper bounds: never below the delays the receiver waited.
    const least = hour.delivered > 0 ? OK_DELAY_MS : FAIL_DELAY_MS;
    assert.ok(hour.p50Ms >= least, `p50 ${hour.p50Ms}`);
    assert.ok(hour.p95Ms >= hour.p50Ms, `p95 ${hour.p95Ms} >= p50 ${hour.p50Ms}`);
    assert.ok(hour.p95Ms <= 60_000);
  }
  if (busy.length === 1) {
    const [hour] = busy;
    // 6 fast and 3 slow: the median is a fast one, the 95th a slow one.
    assert.ok(hour.p50Ms < FAIL_DELAY_MS, `p50 ${hour.p50Ms} < ${FAIL_DELAY_MS}`);
    assert.ok(hour.p95Ms >= FAIL_DELAY_MS, `p95 ${hour.p95Ms} >= ${FAIL_DELAY_MS}`);
  }
  const one = await statistics('?hours=1');
  assert.equal(one.status, 200);
  assert.equal(one.json.hours.length, 1);
  assert.ok(one.json.hours[0].hour >= last);
});

test('a bad hours value, an unknown webhook and a key without manage are refused', async () => {
  for (const bad of ['0', '169', '-1', '1.5', 'week', '', '１']) {
    const refused = await statistics(`?hours=${encodeURIComponent(bad)}`);
    assert.equal(refused.status, 400, `hours=${bad}`);
    assert.equal(refused.json.error.code, 'invalid_hours', `hours=${bad}`);
    assertDocumented('getWebhookStatistics', refused);
  }
  const missing = await api('GET', '/v1/caches/shop/webhooks/nobody/statistics');
  assert.equal(missing.status, 404);
  assertDocumented('getWebhookStatistics', missing);
  const key = (await api('POST', '/v1/keys', { body: { caches: ['shop'], permissions: ['publish'] } })).json.key;
  const forbidden = await api('GET', '/v1/caches/shop/webhooks/charts-hook/statistics', { key });
  assert.equal(forbidden.status, 403);
  assertDocumented('getWebhookStatistics', forbidden);
  const anonymous = await api('GET', '/v1/caches/shop/webhooks/charts-hook/statistics', { key: null });
  assert.equal(anonymous.status, 401);
});

/** Resolves once `read()` returns a value passing `check`; fails after `ms`. */
async function until(read, check, ms = 15_000, what = 'page state') {
  let value;
  await eventually(async () => {
    value = await read();
    return check(value);
  }, ms, what).catch((err) => { throw new Error(`${err.message}: ${JSON.stringify(value)}`); });
  return value;
}

/** What the charts and their table show, read from the page. */
function shown() {
  return page.evaluate(() => {
    const bars = [...document.querySelectorAll('svg.chart-deliveries g.bar')];
    const medians = [...document.querySelectorAll('svg.chart-latency .series.p50 .point')];
    const highs = [...document.querySelectorAll('svg.chart-latency .series.p95 .point')];
    const rows = [...document.querySelectorAll('table.hourly tbody tr')];
    return {
      bars: bars.map((g) => ({ hour: Number(g.dataset.hour), delivered: Number(g.dataset.delivered), failed: Number(g.dataset.failed), rects: g.querySelectorAll('rect').length })),
      medians: medians.map((p) => Number(p.dataset.ms)),
      highs: highs.map((p) => Number(p.dataset.ms)),
      rows: rows.map((r) => [...r.children].map((c) => c.textContent)),
      rowHours: rows.map((r) => Number(r.dataset.hour)),
      labels: [...document.querySelectorAll('svg.chart')].map((s) => [s.getAttribute('role'), s.getAttribute('aria-label')]),
      axis: [...document.querySelectorAll('svg.chart-deliveries .x-axis text')].map((t) => t.textContent),
      styled: document.querySelectorAll('[style], style').length,
    };
  });
}

const latencyText = (ms) => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`);

test('the details page charts the hours and lists them for screen readers', async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  page = await context.newPage();
  page.on('request', (r) => { if (!r.url().startsWith(`${worker.url}/`)) elsewhere.push(r.url()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  await page.goto(`${worker.url}/`);
  await page.getByLabel('API key').fill(deployment.adminKey);
  await page.getByLabel('Cache').fill('shop');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const row = page.locator('tr[data-webhook="charts-hook"]');
  await row.waitFor();
  await row.getByRole('link', { name: 'charts-hook' }).click();
  await page.locator('svg.chart-deliveries').waitFor();

  const expected = counted((await statistics()).json.hours);
  const seen = await until(shown, (s) => s.bars.length === expected.length);
  // One bar per hour with attempts, its parts as counted.
  assert.deepEqual(seen.bars.map(({ hour, delivered, failed }) => ({ hour, delivered, failed })),
    expected.map(({ hour, delivered, failed }) => ({ hour, delivered, failed })));
  assert.deepEqual(seen.bars.map((b) => b.rects), expected.map((h) => (h.delivered > 0) + (h.failed > 0)));
  // One point per hour with attempts in each latency series.
  assert.deepEqual(seen.medians, expected.map((h) => h.p50Ms));
  assert.deepEqual(seen.highs, expected.map((h) => h.p95Ms));
  // The text equivalent: each chart an image with a summary, and a table of the hours, newest first.
  assert.deepEqual(seen.labels.map(([role]) => role), ['img', 'img']);
  assert.match(seen.labels[0][1], new RegExp(`${DELIVERED} delivered and ${FAILED} failed in ${expected.length} hours? with attempts`));
  assert.match(seen.labels[1][1], /95th percentile was \d/);
  assert.deepEqual(seen.rowHours, expected.map((h) => h.hour).reverse());
  assert.deepEqual(seen.rows.map((cells) => cells.slice(1)),
    expected.map((h) => [String(h.delivered), String(h.failed), latencyText(h.p50Ms), latencyText(h.p95Ms)]).reverse());
  // Human times: the hour column and the axis name days, not milliseconds.
  for (const [hour] of seen.rows) assert.doesNotMatch(hour, /\d{10,}/);
  assert.ok(seen.axis.length >= 6 && seen.axis.every((t) => /^[A-Z][a-z]{2} \d{1,2}$/.test(t)), seen.axis.join(', '));
  assert.equal(seen.styled, 0, 'no inline styles');
  const box = await page.locator('table.hourly').evaluate((t) => {
    const r = t.parentElement.getBoundingClientRect();
    return [r.width, r.height, getComputedStyle(t.parentElement).overflow];
  });
  assert.deepEqual(box, [1, 1, 'hidden'], 'the table is visually hidden');
  await page.screenshot({ path: join(artifacts, 'charts-desktop.png'), fullPage: true });

  // Another delivery: the charts catch up by themselves.
  assert.equal((await api('POST', '/v1/caches/shop/topics/charts', { raw: 'ok again' })).status, 200);
  const more = await until(shown, (s) => s.bars.reduce((n, b) => n + b.delivered, 0) === DELIVERED + 1, 20_000, 'the charts refreshed');
  assert.equal(more.bars.reduce((n, b) => n + b.failed, 0), FAILED);

  // A phone: the charts fit the width, nothing overflows.
  await page.setViewportSize({ width: 390, height: 844 });
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    chart: document.querySelector('svg.chart-deliveries').getBoundingClientRect().width,
    labelPx: document.querySelector('svg.chart-deliveries .x-axis text').getBoundingClientRect().height,
  }));
  assert.equal(layout.overflow, 0);
  assert.ok(layout.chart > 300 && layout.chart <= 390, `chart ${layout.chart} px wide`);
  assert.ok(layout.labelPx >= 9, `axis labels ${layout.labelPx} px high`);
  // The screen as a phone shows it, scrolled to the charts.
  await page.getByRole('heading', { name: 'Deliveries in the last 7 days' }).evaluate((el) => el.scrollIntoView());
  await page.screenshot({ path: join(artifacts, 'charts-phone.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a disabled webhook says since when its deliveries failed, as a time', async () => {
  const created = await api('PUT', '/v1/caches/shop/webhooks/down-hook', {
    body: { topics: ['down'], destination: { postUrl: `${receiver.base}/down` }, retry: { scheduleSeconds: [1, 1, 1] } },
  });
  assert.equal(created.status, 201);
  await api('POST', '/v1/caches/shop/topics/down', { raw: 'will fail' });
  const webhook = await eventually(async () => {
    const got = (await api('GET', '/v1/caches/shop/webhooks/down-hook')).json;
    return got.status.state === 'disabled' && got;
  }, 20_000, 'disabled');
  assert.doesNotMatch(webhook.status.reason, /\d{10,}/, 'the reason states no raw time');
  assert.equal(typeof webhook.statistics.failingSince, 'number');
  await page.goto(`${worker.url}/#/c/shop/webhooks/down-hook`);
  const reason = page.locator('h1 .reason');
  await reason.waitFor();
  const text = await reason.innerText();
  assert.ok(text.startsWith(webhook.status.reason), text);
  assert.match(text, /failing since/);
  assert.doesNotMatch(text, /\d{10,}/);
  assert.equal(await reason.locator('time').getAttribute('datetime'), new Date(webhook.statistics.failingSince).toISOString());
});
