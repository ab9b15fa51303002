// Delivery charts of one webhook: attempts per hour (delivered and failed,
// stacked) and latency per hour (median and 95th percentile), drawn as
// inline SVG with DOM calls, each with a summary for screen readers, and
// one visually hidden table of the hours with attempts as their text.

import { fill, h, svg, time } from './dom.js';

/** The drawing's size in its own units; it scales to the panel's width. */
const WIDTH = 480;
const HEIGHT = 200;
const PLOT = { left: 44, right: 8, top: 12, bottom: 30 };
const HOUR_MS = 3_600_000;

/** What the statistics cover, in words. */
function spanText(hours) {
  return hours.length % 24 === 0 ? `${hours.length / 24} days` : `${hours.length} hours`;
}

const attempted = (hour) => hour.delivered + hour.failed > 0;

/** `ms` of latency in words: `320 ms`, `1.3 s`, `60 s`. */
export function latencyText(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** The start of an hour, in the reader's locale and time zone. */
function hourText(ms) {
  return new Date(ms).toLocaleString(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** The smallest of 1, 2 or 5 times a power of ten at least `n` (and 1). */
function niceCeiling(n) {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((f) => f * power).find((v) => v >= n);
}

/** The horizontal scale: each hour a slot, the oldest on the left. */
function timeScale(hours) {
  const start = hours[0].hour;
  const slot = (WIDTH - PLOT.left - PLOT.right) / hours.length;
  return {
    slot,
    x: (ms) => PLOT.left + ((ms - start) / HOUR_MS) * slot,
  };
}

/** The day lines and labels: each local midnight in the span, as `Mon 24`. */
function timeAxis(hours, scale) {
  const start = hours[0].hour;
  const end = hours[hours.length - 1].hour + HOUR_MS;
  const ticks = [];
  const day = new Date(start);
  day.setHours(24, 0, 0, 0);
  for (; day.getTime() < end; day.setDate(day.getDate() + 1)) {
    const x = scale.x(day.getTime());
    const label = `${day.toLocaleDateString(undefined, { weekday: 'short' })} ${day.getDate()}`;
    ticks.push(
      svg('line', { class: 'grid', x1: x, x2: x, y1: PLOT.top, y2: HEIGHT - PLOT.bottom }),
      svg('text', { class: 'axis-label', x, y: HEIGHT - PLOT.bottom + 18, 'text-anchor': 'middle', text: label }),
    );
  }
  return svg('g', { class: 'x-axis', 'aria-hidden': 'true' },
    svg('line', { class: 'axis', x1: PLOT.left, x2: WIDTH - PLOT.right, y1: HEIGHT - PLOT.bottom, y2: HEIGHT - PLOT.bottom }),
    ticks);
}

/** Horizontal lines and labels at `values`, placed by `y`. */
function valueAxis(values, y, label) {
  return svg('g', { class: 'y-axis', 'aria-hidden': 'true' }, values.map((v) => [
    svg('line', { class: 'grid', x1: PLOT.left, x2: WIDTH - PLOT.right, y1: y(v), y2: y(v) }),
    svg('text', { class: 'axis-label', x: PLOT.left - 6, y: y(v) + 4, 'text-anchor': 'end', text: label(v) }),
  ]));
}

function chartSvg(className, summary, ...content) {
  return svg('svg', {
    class: `chart ${className}`, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary,
    preserveAspectRatio: 'xMidYMid meet',
  }, ...content);
}

function emptyNote(text) {
  return svg('text', { class: 'empty-note', x: (PLOT.left + WIDTH - PLOT.right) / 2, y: HEIGHT / 2, 'text-anchor': 'middle', text });
}

/** A legend entry: a swatch drawn like its series, and its name. */
function key(swatch, label) {
  return h('li', {}, svg('svg', { class: 'swatch', viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true' }, swatch), label);
}

/**
 * Attempts per hour: one `g.bar` per hour with attempts, its delivered part
 * solid and its failed part hatched on top, each with a tooltip.
 */
export function deliveriesChart(hours) {
  const withAttempts = hours.filter(attempted);
  const delivered = withAttempts.reduce((n, h) => n + h.delivered, 0);
  const failed = withAttempts.reduce((n, h) => n + h.failed, 0);
  const busiest = withAttempts.reduce((best, h) => (!best || h.delivered + h.failed > best.delivered + best.failed ? h : best), null);
  const summary = busiest
    ? `Attempts per hour over the last ${spanText(hours)}: ${delivered} delivered and ${failed} failed in ${withAttempts.length} `
      + `${withAttempts.length === 1 ? 'hour' : 'hours'} with attempts; the busiest hour, ${hourText(busiest.hour)}, had ${busiest.delivered + busiest.failed}.`
    : `Attempts per hour over the last ${spanText(hours)}: none.`;
  const scale = timeScale(hours);
  const top = niceCeiling(Math.max(0, ...withAttempts.map((h) => h.delivered + h.failed)));
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const y = (n) => HEIGHT - PLOT.bottom - (n / top) * plotHeight;
  const width = Math.max(1, scale.slot * 0.8);
  const bars = withAttempts.map((hour) => {
    const x = scale.x(hour.hour) + (scale.slot - width) / 2;
    const parts = [];
    if (hour.delivered > 0) {
      parts.push(svg('rect', { class: 'delivered', x, width, y: y(hour.delivered), height: y(0) - y(hour.delivered) }));
    }
    if (hour.failed > 0) {
      const total = hour.delivered + hour.failed;
      parts.push(svg('rect', { class: 'failed', fill: 'url(#hatch-failed)', x, width, y: y(total), height: y(hour.delivered) - y(total) }));
    }
    return svg('g', { class: 'bar', 'data-hour': hour.hour, 'data-delivered': hour.delivered, 'data-failed': hour.failed },
      svg('title', { text: `${hourText(hour.hour)}: ${hour.delivered} delivered, ${hour.failed} failed` }),
      parts);
  });
  const hatch = svg('defs', {},
    svg('pattern', { id: 'hatch-failed', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { class: 'hatch-ground', width: 6, height: 6 }),
      svg('line', { class: 'hatch-line', x1: 0, y1: 0, x2: 0, y2: 6 })));
  return h('figure', { class: 'chart-figure' },
    h('figcaption', {},
      h('span', { class: 'chart-title', text: 'Attempts per hour' }),
      h('ul', { class: 'legend' },
        key(svg('rect', { class: 'delivered', width: 16, height: 16 }), 'Delivered (solid)'),
        key(svg('rect', { class: 'failed', fill: 'url(#hatch-failed)', width: 16, height: 16 }), 'Failed (striped)'))),
    chartSvg('chart-deliveries', summary,
      hatch,
      valueAxis([0, top / 2, top].filter((v, i, all) => Number.isInteger(v) && all.indexOf(v) === i), y, String),
      timeAxis(hours, scale),
      svg('g', { class: 'bars' }, bars),
      withAttempts.length === 0 ? emptyNote(`No attempts in the last ${spanText(hours)}`) : null));
}

/**
 * Latency per hour on a log scale: the median as a solid line with round
 * points, the 95th percentile as a dashed line with square points; a line
 * breaks at hours without attempts.
 */
export function latencyChart(hours) {
  const withAttempts = hours.filter(attempted);
  const scale = timeScale(hours);
  const values = withAttempts.flatMap((h) => [h.p50Ms, h.p95Ms]).filter((v) => typeof v === 'number');
  // Whole powers of ten around the values, at least 1 ms to 10 ms.
  const low = 10 ** Math.floor(Math.log10(values.length ? Math.max(1, Math.min(...values)) : 1));
  const high = Math.max(low * 10, 10 ** Math.ceil(Math.log10(Math.max(10, ...values))));
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const y = (ms) => HEIGHT - PLOT.bottom - ((Math.log10(Math.max(ms, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotHeight;
  const ticks = [];
  for (let v = low; v <= high; v *= 10) ticks.push(v);
  const center = (hour) => scale.x(hour.hour) + scale.slot / 2;
  const series = (field, className) => {
    // Runs of consecutive hours with a value, each one polyline.
    const runs = [];
    let run = [];
    for (const hour of hours) {
      if (typeof hour[field] === 'number') run.push(`${center(hour).toFixed(1)},${y(hour[field]).toFixed(1)}`);
      else if (run.length) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length) runs.push(run);
    return svg('g', { class: `series ${className}` },
      runs.filter((r) => r.length > 1).map((r) => svg('polyline', { class: 'line', points: r.join(' ') })),
      withAttempts.filter((hour) => typeof hour[field] === 'number').map((hour) => {
        const title = svg('title', { text: `${hourText(hour.hour)}: ${className === 'p50' ? 'median' : '95th percentile'} ${latencyText(hour[field])}` });
        return className === 'p50'
          ? svg('circle', { class: 'point', cx: center(hour), cy: y(hour[field]), r: 3.5, 'data-ms': hour[field] }, title)
          : svg('rect', { class: 'point', x: center(hour) - 3.5, y: y(hour[field]) - 3.5, width: 7, height: 7, 'data-ms': hour[field] }, title);
      }));
  };
  const worst = withAttempts.reduce((best, h) => (!best || h.p95Ms > best.p95Ms ? h : best), null);
  const summary = worst
    ? `Latency per hour over the last ${spanText(hours)}, ${withAttempts.length} ${withAttempts.length === 1 ? 'hour' : 'hours'} with attempts; `
      + `the highest 95th percentile was ${latencyText(worst.p95Ms)} at ${hourText(worst.hour)} (median then ${latencyText(worst.p50Ms)}).`
    : `Latency per hour over the last ${spanText(hours)}: no attempts.`;
  return h('figure', { class: 'chart-figure' },
    h('figcaption', {},
      h('span', { class: 'chart-title', text: 'Latency per hour' }),
      h('ul', { class: 'legend' },
        key(svg('g', { class: 'series p50' }, svg('line', { class: 'line', x1: 0, y1: 8, x2: 16, y2: 8 }), svg('circle', { class: 'point', cx: 8, cy: 8, r: 3 })), 'Median (solid, round)'),
        key(svg('g', { class: 'series p95' }, svg('line', { class: 'line', x1: 0, y1: 8, x2: 16, y2: 8 }), svg('rect', { class: 'point', x: 5, y: 5, width: 6, height: 6 })), '95th percentile (dashed, square)'))),
    chartSvg('chart-latency', summary,
      valueAxis(ticks, y, latencyText),
      timeAxis(hours, scale),
      series('p50Ms', 'p50'),
      series('p95Ms', 'p95'),
      withAttempts.length === 0 ? emptyNote(`No attempts in the last ${spanText(hours)}`) : null));
}

/** The hours with attempts as a table, the charts' text for screen readers. */
export function hourlyTable(hours) {
  const rows = hours.filter(attempted).reverse();
  if (rows.length === 0) return h('p', { class: 'visually-hidden', text: `No attempts in the last ${spanText(hours)}.` });
  // A table is never narrower than its content: the wrapper hides it.
  return h('div', { class: 'visually-hidden' }, h('table', { class: 'hourly' },
    h('caption', { text: `Attempts per hour with attempts in the last ${spanText(hours)}, newest first` }),
    h('thead', {}, h('tr', {}, ['Hour', 'Delivered', 'Failed', 'Median latency', '95th percentile latency'].map((label) => h('th', { scope: 'col', text: label })))),
    h('tbody', {}, rows.map((hour) => h('tr', { 'data-hour': hour.hour },
      h('th', { scope: 'row' }, time(hour.hour)),
      h('td', { text: String(hour.delivered) }),
      h('td', { text: String(hour.failed) }),
      h('td', { text: latencyText(hour.p50Ms) }),
      h('td', { text: latencyText(hour.p95Ms) }))))));
}

/** Fills `el` with both charts and their table for `statistics` (the API's answer). */
export function renderCharts(el, statistics) {
  const hours = statistics?.hours ?? [];
  if (hours.length === 0) {
    fill(el, h('p', { class: 'muted', text: 'No statistics yet.' }));
    return;
  }
  fill(el,
    h('div', { class: 'charts' }, deliveriesChart(hours), latencyChart(hours)),
    hourlyTable(hours));
}
