/* global window */
/**
 * FlowGuard ops view, part 3 of 3: mount(element, options) builds the view in the editor's sidebar tab or on the
 * ops page. Everything it shows comes from the permission-checked JSON routes (the sidebar also gets pushed
 * updates over RED.comms).
 *
 * options:
 *   mode         'sidebar' (one panel at a time: Nodes | Dead letters) or 'page' (summary, charts, both panels)
 *   api(method, url, body) → Promise<json>   url relative to the admin root, e.g. 'flowguard/ops/state'
 *   pageUrl      sidebar: the ops page, for the "Ops page" link
 *   editor       sidebar only, the editor's own view of a node id: { label(id, fallback), status(id), icon(id),
 *                flowLabel(id, fallback), exists(id), reveal(id), codeEditor(container, text) → {getValue, destroy} }
 *   codeEditor   page: (container, text) → Promise<{getValue, destroy}>
 * Returns { update(state), refresh(), state() }.
 */
(function () {
  'use strict';
  const ops = (window.FlowGuardOps = window.FlowGuardOps || {});

  function mount(root, opts) {
    const { h, button, refreshTimes, searchBox, statusDot, section, chart } = ops.ui;
    const page = opts.mode === 'page';
    const editor = opts.editor || null;
    root.classList.add('fg-ops', page ? 'fg-ops-page' : 'fg-ops-sidebar-view');
    root.textContent = '';

    let lastState = null;
    /** What the editor calls a node (its label function), else what the runtime knows. */
    const nodeLabel = (id, fallback) => (editor ? editor.label(id, fallback) : fallback) || fallback || id;
    const flowLabel = (id, fallback) => (editor ? editor.flowLabel(id, fallback) : fallback) || fallback || id;
    const nodeById = (id) => (lastState ? lastState.nodes.find((n) => n.id === id) : undefined);
    const labelOf = (id) => {
      const n = nodeById(id);
      return nodeLabel(id, n ? n.label : undefined);
    };

    // ---- summary line and the panel switch (sidebar) ----
    const totals = h('div', { class: 'fg-totals', 'data-fg': 'totals' });
    const loadError = h('div', { class: 'fg-feedback', 'data-fg': 'message', role: 'status' });
    const say = (el, text, kind) => {
      el.textContent = text || '';
      el.className = `fg-feedback${kind ? ` fg-feedback-${kind}` : ''}`;
    };

    const nodesPanel = h('div', { class: 'fg-panel fg-panel-nodes', 'data-fg': 'panel-nodes' });
    const dlqPanel = h('div', { class: 'fg-panel fg-panel-dlq', 'data-fg': 'panel-dlq' });

    const nodesTab = button('Nodes', { class: 'toggle selected', 'data-fg': 'show-nodes', onclick: () => show('nodes') }, 'fa-cubes');
    const dlqCount = h('span', { class: 'fg-count', 'data-fg': 'dlq-count' });
    const dlqTab = button('Dead letters', { class: 'toggle', 'data-fg': 'show-dlq', onclick: () => show('dlq') }, 'fa-inbox');
    dlqTab.append(dlqCount);
    function show(which) {
      nodesTab.classList.toggle('selected', which === 'nodes');
      dlqTab.classList.toggle('selected', which === 'dlq');
      nodesPanel.hidden = which !== 'nodes';
      dlqPanel.hidden = which !== 'dlq';
      try { window.localStorage.setItem('fg-ops-panel', which); } catch (e) { /* not remembered */ }
      if (which === 'dlq') dlq.refresh();
    }

    if (page) {
      const charts = h('div', { class: 'fg-charts', 'data-fg': 'charts' });
      root.append(
        h('div', { class: 'fg-page-summary' }, [totals, loadError]),
        charts,
        h('div', { class: 'fg-columns' }, [
          h('section', { class: 'fg-column' }, [h('h2', { class: 'fg-column-title' }, [h('i', { class: 'fa fa-cubes' }), ' Nodes']), nodesPanel]),
          h('section', { class: 'fg-column' }, [h('h2', { class: 'fg-column-title' }, [h('i', { class: 'fa fa-inbox' }), ' Dead letters ', dlqCount]), dlqPanel]),
        ]),
      );
      let drawn = null;
      let resizeTimer = null;
      window.addEventListener('resize', () => {
        window.clearTimeout(resizeTimer);
        resizeTimer = window.setTimeout(() => { if (drawn) root.drawCharts(drawn); }, 200);
      });
      root.drawCharts = (minutes) => {
        drawn = minutes;
        // two side by side when there is room, each as wide as half the page (within reason)
        const room = charts.clientWidth || 940;
        const width = room >= 740 ? Math.min(760, Math.floor((room - 14 - 4) / 2)) : room - 2; // 14: the gap, 2 + 2: borders
        charts.textContent = '';
        charts.append(
          chart('Messages per minute', minutes, [{ key: 'received', label: 'in', className: 'fg-series-in' }, { key: 'sent', label: 'out', className: 'fg-series-out' }], width),
          chart('Errors per minute', minutes, [{ key: 'errors', label: 'errors', className: 'fg-series-errors' }], width),
        );
      };
    } else {
      const pageLink = h('a', { class: 'red-ui-button red-ui-button-small fg-page-link', href: opts.pageUrl, target: '_blank', rel: 'noopener', title: 'Open the ops page (charts, wide tables) in a new browser tab', 'data-fg': 'page-link' },
        [h('i', { class: 'fa fa-external-link' }), h('span', { text: 'Ops page' })]);
      root.append(
        h('div', { class: 'red-ui-sidebar-header fg-header' }, [h('span', { class: 'button-group' }, [nodesTab, dlqTab]), pageLink]),
        h('div', { class: 'fg-summary' }, [totals, loadError]),
        h('div', { class: 'fg-scroll' }, [nodesPanel, dlqPanel]),
      );
    }

    // ---- nodes, grouped by flow ----
    let filterText = '';
    const search = searchBox('filter nodes, flows, status', (text) => { filterText = text.toLowerCase(); renderNodes(); }, { 'data-fg': 'node-filter' });
    const attention = h('div', { class: 'fg-attention', 'data-fg': 'attention' });
    const columnHead = h('div', { class: 'fg-node-row fg-node-head', 'aria-hidden': 'true' }, [
      h('span', { class: 'fg-node-main', text: 'Node' }), h('span', { class: 'fg-num', text: 'In' }), h('span', { class: 'fg-num', text: 'Out' }), h('span', { class: 'fg-num', text: 'Err' }),
    ]);
    const groups = h('div', { class: 'fg-groups', 'data-fg': 'nodes' });
    const noMatch = h('div', { class: 'fg-empty', hidden: true, text: 'no node matches the filter' });
    nodesPanel.append(h('div', { class: 'fg-toolbar' }, search.element), attention, columnHead, groups, noMatch);
    const sections = new Map(); // flow id → section

    function statusOf(n) {
      const fromEditor = editor && editor.status(n.id);
      return fromEditor && (fromEditor.text || fromEditor.fill) ? fromEditor : n.status || {};
    }

    function extrasOf(n, st) {
      const extra = [];
      // Gauges only when the node's own status does not already say it (a DLQ says "depth 3", a retry "2 pending").
      if (!st.text) {
        if (n.gauges.dlq_depth) extra.push(`${n.gauges.dlq_depth} in queue`);
        if (n.gauges.pending_retries) extra.push(`${n.gauges.pending_retries} retries pending`);
        if (n.gauges.events_per_minute !== undefined) extra.push(`${n.gauges.events_per_minute} events/min`);
        if (n.gauges.events_in_flight) extra.push(`${n.gauges.events_in_flight} in flow`);
      }
      if (n.counters.duplicates) extra.push(`${n.counters.duplicates} duplicates stopped`);
      if (n.counters.parked) extra.push(`${n.counters.parked} parked`);
      if (n.counters.replayed) extra.push(`${n.counters.replayed} replayed`);
      return extra;
    }

    function nodeRow(n) {
      const st = statusOf(n);
      const label = labelOf(n.id);
      const codes = Object.entries(n.errorsByCode || {}).map(([c, k]) => `${c}: ${k}`);
      const icon = editor ? editor.icon(n.id) : null;
      const extra = extrasOf(n, st);
      const canReveal = editor && editor.exists(n.id);
      const row = h('div', {
        class: `fg-node-row${canReveal ? ' fg-clickable' : ''}`, 'data-node-id': n.id, role: canReveal ? 'button' : 'row', tabindex: canReveal ? '0' : undefined,
        title: [`${label} (${n.type}, id ${n.id})`, codes.length ? `errors by code: ${codes.join(', ')}` : '', canReveal ? 'click to show it in the workspace' : ''].filter(Boolean).join('\n'),
      }, [
        h('span', { class: 'fg-node-main' }, [icon, h('span', { class: 'fg-node-label', 'data-fg': 'node-label', text: label })]),
        h('span', { class: 'fg-num fg-c-received', text: n.counters.received }),
        h('span', { class: 'fg-num fg-c-sent', text: n.counters.sent }),
        h('span', { class: `fg-num fg-c-errors${n.counters.errors ? ' fg-error-text' : ''}`, text: n.counters.errors }),
        h('span', { class: 'fg-node-status', 'data-fg': 'node-status' }, [
          statusDot(st), st.text ? h('span', { class: 'fg-status-text', text: st.text }) : null,
          extra.length ? h('span', { class: `fg-muted${st.text ? ' fg-after' : ''}`, text: `${st.text ? '· ' : ''}${extra.join(' · ')}` }) : null,
        ]),
      ]);
      if (canReveal) {
        row.addEventListener('click', () => editor.reveal(n.id));
        row.addEventListener('keydown', (e) => { if (e.key === 'Enter') editor.reveal(n.id); });
      }
      return row;
    }

    function matches(n, flowName) {
      if (!filterText) return true;
      const st = statusOf(n);
      return [labelOf(n.id), n.type, n.id, flowName, st.text || '', ...Object.keys(n.errorsByCode || {})].some((t) => String(t).toLowerCase().includes(filterText));
    }

    function renderNodes() {
      const state = lastState;
      if (!state) return;
      // attention: circuits that are not closed, Salesforce usage; shown only when there is something to say
      attention.textContent = '';
      for (const c of state.circuits.filter((x) => x.state !== 'closed')) {
        attention.append(h('div', { class: 'fg-attention-row', 'data-node-id': c.id, 'data-fg': 'circuit' }, [
          statusDot({ fill: c.state === 'open' ? 'red' : 'yellow', shape: 'dot' }),
          h('span', { text: `circuit ${c.state}: ${labelOf(c.id)}` }),
        ]));
      }
      for (const u of state.salesforce) {
        attention.append(h('div', { class: 'fg-attention-row', 'data-node-id': u.id, 'data-fg': 'salesforce-usage' }, [
          statusDot({ fill: u.percent >= 90 ? 'red' : u.percent >= 75 ? 'yellow' : 'green', shape: 'ring' }),
          h('span', { text: `Salesforce API ${u.percent.toFixed(1)} % of the day used: ${nodeLabel(u.id, u.name)}` }),
        ]));
      }
      attention.hidden = !attention.childElementCount;

      const byFlow = new Map();
      for (const n of state.nodes) {
        if (!byFlow.has(n.flow)) byFlow.set(n.flow, []);
        byFlow.get(n.flow).push(n);
      }
      const seen = new Set();
      let shown = 0;
      const order = [...byFlow.keys()].sort((a, b) => flowLabel(a, state.flows[a]).localeCompare(flowLabel(b, state.flows[b])));
      for (const flowId of order) {
        const all = byFlow.get(flowId);
        const name = flowLabel(flowId, state.flows[flowId] || all[0].flowName);
        const nodes = all.filter((n) => matches(n, name)).sort((a, b) => labelOf(a.id).localeCompare(labelOf(b.id)));
        let sec = sections.get(flowId);
        if (!sec) {
          const errors = all.reduce((sum, n) => sum + n.counters.errors, 0);
          sec = section(`flow:${flowId}`, name, { open: all.length <= 8 || errors > 0 });
          sec.element.setAttribute('data-flow-id', flowId);
          if (editor && editor.exists(flowId)) {
            sec.extra.append(h('button', { type: 'button', class: 'fg-icon-button', title: 'show this flow in the workspace', 'aria-label': `show flow ${name}`, onclick: (e) => { e.stopPropagation(); editor.reveal(flowId); } }, h('i', { class: 'fa fa-search' })));
          }
          sections.set(flowId, sec);
        }
        seen.add(flowId);
        sec.setTitle(name);
        const errors = all.reduce((sum, n) => sum + n.counters.errors, 0);
        sec.badges.replaceChildren(...[
          h('span', { class: 'fg-badge', text: filterText ? `${nodes.length} of ${all.length}` : `${all.length} node${all.length === 1 ? '' : 's'}` }),
          errors ? h('span', { class: 'fg-badge fg-badge-error', text: `${errors} error${errors === 1 ? '' : 's'}` }) : null,
        ].filter(Boolean));
        if (errors) sec.suggestOpen(); // errors that came after it was first drawn open it too
        sec.body.textContent = '';
        for (const n of nodes) sec.body.append(nodeRow(n));
        sec.element.hidden = nodes.length === 0;
        sec.force(filterText ? true : undefined);
        shown += nodes.length;
        groups.append(sec.element); // keeps the sorted order
      }
      for (const [id, sec] of sections) if (!seen.has(id)) { sec.element.remove(); sections.delete(id); }
      noMatch.hidden = shown > 0 || !state.nodes.length;
      noMatch.textContent = state.nodes.length ? 'no node matches the filter' : '';
      if (!state.nodes.length) groups.replaceChildren(h('div', { class: 'fg-empty', text: 'no FlowGuard nodes deployed' }));
    }

    // ---- the dead-letter browser ----
    const dlq = ops.dlqBrowser({
      api: opts.api, page, editor, labelOf, flowLabel, nodeById, state: () => lastState,
      codeEditor: editor ? editor.codeEditor : opts.codeEditor,
    });
    dlqPanel.append(dlq.element);

    function update(state) {
      lastState = state;
      const t = state.totals;
      totals.textContent = '';
      totals.append(
        h('span', { 'data-fg': 'total-received', text: `${t.received} in` }), ' · ',
        h('span', { 'data-fg': 'total-sent', text: `${t.sent} out` }), ' · ',
        h('span', { 'data-fg': 'total-errors', class: t.errors ? 'fg-error-text' : '', text: `${t.errors} error${t.errors === 1 ? '' : 's'}` }), ' · ',
        h('span', { 'data-fg': 'total-dlq', text: `${t.dlqDepth} dead letter${t.dlqDepth === 1 ? '' : 's'}` }),
        page ? h('span', { class: 'fg-muted fg-updated', text: ` · updated ${new Date(state.at).toLocaleTimeString()}` }) : '',
      );
      totals.title = `counted since Node-RED started; updated ${new Date(state.at).toLocaleTimeString()}`;
      dlqCount.textContent = t.dlqDepth ? String(t.dlqDepth) : '';
      dlqCount.hidden = !t.dlqDepth;
      renderNodes();
      dlq.onState(state);
    }

    async function refresh() {
      try {
        update(await opts.api('GET', 'flowguard/ops/state'));
        if (page) root.drawCharts((await opts.api('GET', 'flowguard/ops/history')).minutes);
        say(loadError, '');
      } catch (err) {
        say(loadError, err && err.message ? err.message : String(err), 'error');
      }
    }

    if (!page) {
      let initial = 'nodes';
      try { initial = window.localStorage.getItem('fg-ops-panel') || 'nodes'; } catch (e) { /* default */ }
      show(initial === 'dlq' ? 'dlq' : 'nodes');
    }
    refresh();
    // The page has no comms connection: it polls gently. The sidebar gets pushed updates instead.
    if (page) window.setInterval(refresh, 5000);
    window.setInterval(() => refreshTimes(root), 15000);
    return { update, refresh, state: () => lastState, show };
  }

  ops.mount = mount;
})();
