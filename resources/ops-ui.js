/* global window, document */
/**
 * FlowGuard ops view, part 1 of 3: DOM helpers (they only ever set text, never HTML), readable times, Node-RED
 * styled controls (search box, collapsible section, status dot) and the SVG line chart with a time axis and legend.
 * Shared by the editor's sidebar tab and the ops page; the files may load in any order (everything is looked up
 * when mount() runs).
 */
(function () {
  'use strict';
  const ops = (window.FlowGuardOps = window.FlowGuardOps || {});

  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of [].concat(children === undefined ? [] : children)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof window.Node ? c : String(c));
    return el;
  }

  const svgNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, text) {
    const el = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = String(text);
    return el;
  }

  /** A Node-RED button: `red-ui-button red-ui-button-small`, optional Font Awesome icon. */
  function button(text, attrs, icon) {
    const a = Object.assign({ type: 'button' }, attrs || {});
    a.class = `red-ui-button red-ui-button-small${a.class ? ` ${a.class}` : ''}`;
    return h('button', a, [icon ? h('i', { class: `fa ${icon}`, 'aria-hidden': 'true' }) : null, text ? h('span', { text }) : null]);
  }

  const json = (v) => JSON.stringify(v === undefined ? null : v, null, 2);

  // ---- times: local clock time plus "5 min ago"; the full date in the tooltip ----
  const rtf = window.Intl && window.Intl.RelativeTimeFormat ? new window.Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' }) : null;
  function clock(ms) {
    const d = new Date(ms);
    const now = new Date();
    const sameDay = d.toDateString() === now.toDateString();
    return sameDay
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }
  function ago(ms, now) {
    const sec = Math.round((ms - (now || Date.now())) / 1000);
    const abs = Math.abs(sec);
    if (abs < 45) return 'just now';
    if (!rtf) return '';
    if (abs < 45 * 60) return rtf.format(Math.round(sec / 60), 'minute');
    if (abs < 22 * 3600) return rtf.format(Math.round(sec / 3600), 'hour');
    return rtf.format(Math.round(sec / 86400), 'day');
  }
  /** <time> showing "10:32:05 · 5 min ago"; refreshTimes() keeps the relative part current. */
  function time(ms, attrs) {
    if (!ms) return h('span', { class: 'fg-muted', text: '—' });
    const el = h('time', Object.assign({ datetime: new Date(ms).toISOString(), title: new Date(ms).toString(), 'data-fg-at': ms }, attrs || {}));
    el.textContent = `${clock(ms)} · ${ago(ms)}`;
    return el;
  }
  function refreshTimes(root) {
    root.querySelectorAll('time[data-fg-at]').forEach((el) => {
      const ms = Number(el.getAttribute('data-fg-at'));
      el.textContent = `${clock(ms)} · ${ago(ms)}`;
    });
  }

  /** The markup of Node-RED's searchBox widget (red-ui-searchBox-container), with a plain handler. */
  function searchBox(placeholder, onChange, attrs) {
    const input = h('input', Object.assign({ type: 'text', class: 'red-ui-searchBox-input', placeholder, autocomplete: 'off', spellcheck: 'false' }, attrs || {}));
    const clear = h('a', { class: 'red-ui-searchBox-clear', href: '#', title: 'clear', 'aria-label': 'clear the filter' }, h('i', { class: 'fa fa-times' }));
    let timer = null;
    const changed = () => {
      clear.style.display = input.value ? 'block' : 'none';
      window.clearTimeout(timer);
      timer = window.setTimeout(() => onChange(input.value.trim()), 150);
    };
    input.addEventListener('input', changed);
    clear.addEventListener('click', (e) => {
      e.preventDefault();
      input.value = '';
      changed();
      input.focus();
    });
    const box = h('div', { class: 'red-ui-searchBox-container fg-search' }, [h('i', { class: 'fa fa-search' }), input, clear]);
    return { element: box, input };
  }

  /** A status dot drawn like the editor's (fill colour, dot or ring), from Node-RED's status colour variables. */
  function statusDot(st) {
    if (!st || (!st.fill && !st.shape)) return null;
    const fill = ['red', 'green', 'yellow', 'blue', 'grey', 'gray'].includes(st.fill) ? st.fill : 'grey';
    return h('span', { class: `fg-dot fg-dot-${fill}${st.shape === 'ring' ? ' fg-dot-ring' : ''}`, 'aria-hidden': 'true' });
  }

  /**
   * A collapsible section with a header like the palette's categories (red-ui-palette-header: chevron, title,
   * counts on the right). `key` remembers the open / closed choice in localStorage.
   */
  function section(key, title, opts) {
    const o = opts || {};
    const stored = (() => { try { return JSON.parse(window.localStorage.getItem('fg-ops-sections') || '{}'); } catch (e) { return {}; } })();
    let chosen = key in stored; // the user opened or closed it themselves: only they change it
    let open = chosen ? stored[key] : o.open !== false;
    const chevron = h('i', { class: 'fa fa-angle-down' });
    const titleEl = h('span', { class: 'fg-section-title', text: title });
    const badges = h('span', { class: 'fg-section-badges' });
    const extra = h('span', { class: 'fg-section-extra' });
    const header = h('div', { class: 'red-ui-palette-header fg-section-header', role: 'button', tabindex: '0', 'aria-expanded': 'true', 'data-fg-section': key }, [chevron, titleEl, extra, badges]);
    const body = h('div', { class: 'fg-section-body' });
    const el = h('div', { class: 'fg-section' }, [header, body]);
    const apply = () => {
      chevron.classList.toggle('expanded', open);
      body.hidden = !open;
      header.setAttribute('aria-expanded', String(open));
    };
    const toggle = () => {
      open = !open;
      chosen = true;
      try {
        const all = JSON.parse(window.localStorage.getItem('fg-ops-sections') || '{}');
        all[key] = open;
        window.localStorage.setItem('fg-ops-sections', JSON.stringify(all));
      } catch (e) { /* private mode: not remembered */ }
      apply();
    };
    header.addEventListener('click', (e) => { if (!e.target.closest('button, a')) toggle(); });
    header.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
    apply();
    return {
      element: el, header, body, badges, extra,
      setTitle: (t) => { titleEl.textContent = t; },
      /** forced open while a filter is active; back to the remembered state when `force` is undefined */
      force(value) { body.hidden = value === undefined ? !open : !value; chevron.classList.toggle('expanded', !body.hidden); },
      isOpen: () => !body.hidden,
      toggle,
      /** opens it (e.g. it got errors) unless the user chose open or closed themselves */
      suggestOpen() { if (!chosen && !open) { open = true; apply(); } },
    };
  }

  /**
   * Per-minute values of the last hour as an SVG line chart: y axis with gridlines, a time axis with local clock
   * times, and a legend. Colours come from CSS (ops.css), so they follow the editor's light or dark theme.
   * series: [{ key, label, className }]
   */
  function chart(title, minutes, series, width) {
    // Drawn at the size it is shown (not scaled), so its text stays the size of the page's text.
    const W = Math.max(300, Math.round(width || 460)), H = 170, L = 34, R = 10, T = 30, B = 24;
    const max = Math.max(1, ...series.flatMap((sr) => minutes.map((m) => m[sr.key] || 0)));
    const step = niceStep(max);
    const top = Math.ceil(max / step) * step;
    const x = (i) => L + (i * (W - L - R)) / Math.max(1, minutes.length - 1);
    const y = (v) => H - B - (v * (H - B - T)) / top;
    const svg = s('svg', { class: 'fg-chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}, per minute, last 60 minutes`, 'data-chart': title });
    svg.append(s('text', { x: L, y: 13, class: 'fg-chart-title' }, title));
    // legend, right-aligned on the title line
    let lx = W - R;
    for (const sr of series.slice().reverse()) {
      const t = s('text', { x: lx, y: 13, class: 'fg-chart-legend', 'text-anchor': 'end', 'data-legend': sr.key }, sr.label);
      svg.append(t);
      lx -= sr.label.length * 6.2 + 6;
      svg.append(s('line', { x1: lx - 14, y1: 9, x2: lx - 2, y2: 9, class: `fg-series ${sr.className}` }));
      lx -= 22;
    }
    for (let v = 0; v <= top; v += step) {
      svg.append(s('line', { x1: L, y1: y(v), x2: W - R, y2: y(v), class: v === 0 ? 'fg-chart-axis' : 'fg-chart-grid' }));
      svg.append(s('text', { x: L - 5, y: y(v) + 3.5, class: 'fg-chart-tick', 'text-anchor': 'end' }, v));
    }
    // time axis: a tick every 15 minutes, labelled with the local clock time; the last one is "now"
    const fmt = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    for (let i = minutes.length - 1; i >= 0; i -= 15) {
      svg.append(s('line', { x1: x(i), y1: H - B, x2: x(i), y2: H - B + 4, class: 'fg-chart-axis' }));
      const label = i === minutes.length - 1 ? 'now' : fmt(minutes[i].at);
      svg.append(s('text', { x: x(i), y: H - B + 15, class: 'fg-chart-tick', 'text-anchor': i === minutes.length - 1 ? 'end' : 'middle', 'data-tick': minutes[i].at }, label));
    }
    for (const sr of series) {
      const points = minutes.map((m, i) => `${x(i).toFixed(1)},${y(m[sr.key] || 0).toFixed(1)}`).join(' ');
      svg.append(s('polyline', { points, class: `fg-series ${sr.className}`, 'data-series': sr.key }));
    }
    return svg;
  }
  function niceStep(max) {
    const raw = max / 4;
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const n = raw / pow;
    return Math.max(1, (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * pow);
  }

  ops.ui = { h, s, button, json, clock, ago, time, refreshTimes, searchBox, statusDot, section, chart };
})();
