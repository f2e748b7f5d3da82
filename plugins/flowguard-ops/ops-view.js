/* global window, document */
/**
 * The FlowGuard ops view, shared by the editor's sidebar tab and the ops page (served at flowguard/ops/view.js,
 * after ui.js and dlq-browser.js). FlowGuardOps.mount(element, { mode: 'sidebar' | 'page',
 * api(method, url, body) → Promise<json>, reveal?(id) }) returns { update(state), refresh() }; the sidebar feeds it
 * RED.comms updates, the page polls. Everything it shows comes from the permission-checked JSON routes.
 */
(function () {
  'use strict';
  const { CSS, h, chart, nameOf } = window.FlowGuardOpsUi;

  function mount(root, opts) {
    if (!document.getElementById('fg-ops-style')) document.head.append(h('style', { id: 'fg-ops-style', text: CSS }));
    const api = opts.api;
    const page = opts.mode === 'page';
    root.classList.add('fg-ops');
    root.textContent = '';

    const message = h('div', { class: 'fg-message', 'data-fg': 'message' });
    const totals = h('div', { class: 'fg-totals', 'data-fg': 'totals' });
    const charts = h('div', { class: 'fg-charts', 'data-fg': 'charts' });
    const nodesBody = h('tbody');
    const nodesTable = h('table', { 'data-fg': 'nodes' }, [
      h('thead', {}, h('tr', {}, [h('th', { text: 'Node' }), h('th', { text: 'Flow' }), h('th', { class: 'num', text: 'In' }), h('th', { class: 'num', text: 'Out' }), h('th', { class: 'num', text: 'Err' }), h('th', { text: 'State' })])),
      nodesBody,
    ]);
    const circuits = h('div', { 'data-fg': 'circuits' });
    const salesforce = h('div', { 'data-fg': 'salesforce' });

    let lastState = null;
    function say(text, isError) {
      message.textContent = text || '';
      message.className = `fg-message${isError ? ' fg-err' : ''}`;
    }
    const fail = (err) => say(err && err.message ? err.message : String(err), true);
    const dlq = window.FlowGuardOpsDlq.dlqBrowser(api, say);

    root.append(
      message, totals, charts,
      h('h3', { text: 'Nodes' }), nodesTable,
      h('h3', { text: 'Circuits' }), circuits,
      h('h3', { text: 'Salesforce API usage' }), salesforce,
      ...dlq.elements,
    );

    function update(state) {
      lastState = state;
      const t = state.totals;
      totals.textContent = '';
      totals.append(
        h('span', { 'data-fg': 'total-received', text: `in ${t.received}` }),
        h('span', { 'data-fg': 'total-sent', text: `out ${t.sent}` }),
        h('span', { 'data-fg': 'total-errors', class: t.errors ? 'fg-err' : '', text: `errors ${t.errors}` }),
        h('span', { class: 'fg-muted', text: `updated ${new Date(state.at).toLocaleTimeString()}` }),
      );
      nodesBody.textContent = '';
      if (!state.nodes.length) nodesBody.append(h('tr', {}, h('td', { colspan: 6, class: 'fg-muted', text: 'no FlowGuard nodes deployed' })));
      for (const n of state.nodes) {
        const st = n.status || {};
        const codes = Object.entries(n.errorsByCode || {}).map(([c, k]) => `${c}: ${k}`).join(', ');
        const extra = [];
        if (n.gauges.dlq_depth !== undefined) extra.push(`dlq ${n.gauges.dlq_depth}`);
        if (n.gauges.pending_retries !== undefined) extra.push(`pending ${n.gauges.pending_retries}`);
        if (n.counters.duplicates) extra.push(`dup ${n.counters.duplicates}`);
        if (n.counters.parked) extra.push(`parked ${n.counters.parked}`);
        if (n.counters.replayed) extra.push(`replayed ${n.counters.replayed}`);
        nodesBody.append(h('tr', { class: opts.reveal ? 'fg-click' : '', 'data-node-id': n.id, title: codes || undefined, onclick: () => opts.reveal && opts.reveal(n.id) }, [
          h('td', {}, [nameOf(n), h('div', { class: 'fg-muted', text: n.type })]),
          h('td', { text: n.flowName }),
          h('td', { class: 'num fg-c-received', text: n.counters.received }),
          h('td', { class: 'num fg-c-sent', text: n.counters.sent }),
          h('td', { class: `num fg-c-errors${n.counters.errors ? ' fg-err' : ''}`, text: n.counters.errors }),
          h('td', {}, [h('span', { class: `fg-dot ${st.fill || ''}` }), st.text || '', extra.length ? h('div', { class: 'fg-muted', text: extra.join(' · ') }) : null]),
        ]));
      }
      circuits.textContent = '';
      if (!state.circuits.length) circuits.append(h('div', { class: 'fg-muted', text: 'no circuit breakers reporting' }));
      for (const c of state.circuits) circuits.append(h('div', { 'data-node-id': c.id }, [h('span', { class: `fg-dot ${c.state === 'closed' ? 'green' : c.state === 'open' ? 'red' : 'yellow'}` }), `${c.name} (${c.flowName}): ${c.state}`]));
      salesforce.textContent = '';
      if (!state.salesforce.length) salesforce.append(h('div', { class: 'fg-muted', text: 'no Salesforce usage reported yet' }));
      for (const u of state.salesforce) salesforce.append(h('div', { 'data-node-id': u.id, text: `${u.name} (${u.flowName}): ${u.percent.toFixed(1)} % of the daily API allocation` }));

      dlq.onState(state);
    }

    function drawCharts(minutes) {
      charts.textContent = '';
      charts.append(
        chart('Throughput', minutes, [{ key: 'received', color: '#3a7bd5' }, { key: 'sent', color: '#5a8' }]),
        chart('Errors', minutes, [{ key: 'errors', color: '#c00' }]),
      );
    }

    async function refresh() {
      try {
        update(await api('GET', 'flowguard/ops/state'));
        if (page) drawCharts((await api('GET', 'flowguard/ops/history')).minutes);
        if (message.classList.contains('fg-err') && /signed in/.test(message.textContent)) say('');
      } catch (err) { fail(err); }
    }

    refresh();
    // The page has no comms connection: it polls gently. The sidebar gets pushed updates instead.
    if (page) setInterval(refresh, 5000);
    return { update, refresh, state: () => lastState };
  }

  window.FlowGuardOps = { mount };
})();
