/* global window, document */
/**
 * Shared pieces of the FlowGuard ops view (served concatenated with dlq-browser.js and ops-view.js as
 * flowguard/ops/view.js): the stylesheet, DOM helpers that only ever set text, and the inline SVG chart.
 */
(function () {
  'use strict';

  const CSS = `
.fg-ops { font-size: 13px; color: var(--red-ui-primary-text-color, #333); }
.fg-ops h3 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .03em; color: var(--red-ui-secondary-text-color, #555); }
.fg-ops table { width: 100%; border-collapse: collapse; }
.fg-ops th, .fg-ops td { text-align: left; padding: 3px 5px; overflow-wrap: anywhere; border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); vertical-align: top; }
.fg-ops td.num, .fg-ops th.num { text-align: right; font-variant-numeric: tabular-nums; }
.fg-ops th, .fg-ops td.num { white-space: nowrap; overflow-wrap: normal; }
.fg-ops tr.fg-click { cursor: pointer; }
.fg-ops tr.fg-click:hover, .fg-ops tr.fg-selected { background: var(--red-ui-list-item-background-hover, #eef); }
.fg-ops .fg-muted { color: var(--red-ui-tertiary-text-color, #888); font-size: 11px; }
.fg-ops .fg-dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 4px; background: #aaa; }
.fg-ops .fg-dot.green { background: #5a8; } .fg-ops .fg-dot.red { background: #c00; } .fg-ops .fg-dot.yellow { background: #F9DF31; }
.fg-ops .fg-dot.blue { background: #53A3F3; } .fg-ops .fg-dot.grey { background: #d3d3d3; }
.fg-ops .fg-err { color: #c00; }
.fg-ops .fg-bar { display: flex; gap: 4px; flex-wrap: wrap; margin: 6px 0; align-items: center; }
.fg-ops input, .fg-ops select { font-size: 12px; padding: 2px 4px; max-width: 140px; }
.fg-ops button { font-size: 12px; padding: 2px 8px; cursor: pointer; }
.fg-ops textarea { width: 100%; box-sizing: border-box; font-family: monospace; font-size: 12px; min-height: 120px; }
.fg-ops pre { white-space: pre-wrap; word-break: break-all; background: var(--red-ui-secondary-background, #f7f7f7); padding: 4px; margin: 2px 0; max-height: 160px; overflow: auto; }
.fg-ops .fg-detail { border: 1px solid var(--red-ui-secondary-border-color, #ccc); padding: 6px; margin-top: 8px; }
.fg-ops .fg-totals span { margin-right: 12px; }
.fg-ops .fg-message { margin: 6px 0; }
.fg-ops .fg-charts { display: flex; gap: 16px; flex-wrap: wrap; }
.fg-ops .fg-chart { background: #fff; border: 1px solid #ddd; padding: 4px; }
`;

  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of [].concat(children || [])) if (c !== null && c !== undefined) el.append(c instanceof window.Node ? c : String(c));
    return el;
  }

  const svgNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) {
    const el = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    return el;
  }

  const nameOf = (n) => n.name || n.type;
  const time = (ms) => (ms ? new Date(ms).toLocaleString() : '');
  const json = (v) => JSON.stringify(v === undefined ? null : v, null, 2);

  /** A small line chart of per-minute values over the last hour. */
  function chart(title, minutes, series) {
    const W = 420, H = 110, P = 22;
    const max = Math.max(1, ...series.flatMap((sr) => minutes.map((m) => m[sr.key])));
    const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'fg-chart', 'data-chart': title });
    svg.append(s('line', { x1: P, y1: H - P, x2: W - 4, y2: H - P, stroke: '#999' }));
    const label = s('text', { x: 2, y: 12, 'font-size': 11, fill: '#555' });
    label.textContent = `${title} (max ${max}/min)`;
    svg.append(label);
    const x = (i) => P + (i * (W - P - 6)) / Math.max(1, minutes.length - 1);
    const y = (v) => H - P - (v * (H - P - 18)) / max;
    for (const sr of series) {
      const points = minutes.map((m, i) => `${x(i).toFixed(1)},${y(m[sr.key]).toFixed(1)}`).join(' ');
      svg.append(s('polyline', { points, fill: 'none', stroke: sr.color, 'stroke-width': 1.5, 'data-series': sr.key }));
    }
    const legend = s('text', { x: P, y: H - 6, 'font-size': 10, fill: '#555' });
    legend.textContent = `${series.map((sr) => sr.key).join(' / ')} · last 60 min`;
    svg.append(legend);
    return svg;
  }

  window.FlowGuardOpsUi = { CSS, h, chart, time, json, nameOf };
})();
