/* global window, document, URLSearchParams */
/**
 * FlowGuard ops view, part 2 of 3: the dead-letter browser. Pick a dead-letter node, filter, select, open an entry
 * in place (error, origin node, attempt history with readable times, payload in a code editor), save, replay or
 * discard it, and see next to the button what happened, including what became of a replay: delivered, parked
 * again (as which entry), waiting for a retry, or failed. Only calls the fg-dead-letter admin routes
 * (flowguard/dlq/…); the replay outcomes come with the ops state (state.replays).
 */
(function () {
  'use strict';
  const ops = (window.FlowGuardOps = window.FlowGuardOps || {});

  function dlqBrowser(ctx) {
    const { h, button, time, json } = ops.ui;
    const { api, page, editor } = ctx;
    const message = (err) => (err && err.message ? err.message : String(err));

    let queues = [];
    let entries = [];
    let next = null;
    let filter = {};
    let signature = '';
    let stale = true;
    /** the entry open in place: { id, element, row, payload: {getValue, destroy}, initial, gone } */
    let open = null;
    /** entries replayed or discarded here, kept in place (muted) until closed: id → { entry, kind, at, index } */
    const gone = new Map();
    const selected = new Set();
    /** the last bulk replay, whose outcomes the bar keeps summing up */
    let bulk = null;
    /** replayed entry id → the entry it was parked again as ({ node, id }) */
    const reparked = new Map();

    // ---- controls ----
    // Another queue: its entries replace the list, never shown under the wrong queue meanwhile.
    const queueSelect = h('select', { class: 'fg-select', 'data-fg': 'dlq-node', 'aria-label': 'dead-letter node', onchange: () => { closeEntry(); selected.clear(); gone.clear(); entries = []; next = null; renderEntries(); loadEntries(); } });
    const refreshButton = button('', { title: 'reload the queue', 'aria-label': 'reload the queue', 'data-fg': 'dlq-refresh', onclick: () => { loadQueues().then(() => loadEntries()).catch((err) => say(listFeedback, message(err), 'error')); } }, 'fa-refresh');
    const listFeedback = h('div', { class: 'fg-feedback', 'data-fg': 'dlq-feedback', role: 'status' });

    const fCode = h('input', { type: 'text', class: 'fg-input', placeholder: 'error code', 'aria-label': 'error code', 'data-fg': 'filter-code', onkeydown: (e) => { if (e.key === 'Enter') applyFilter(); } });
    const fOrigin = h('select', { class: 'fg-select', 'aria-label': 'origin node', 'data-fg': 'filter-origin' });
    const fSince = h('input', { type: 'datetime-local', class: 'fg-input', 'aria-label': 'parked since (local time)', title: 'parked at or after this local time', 'data-fg': 'filter-since' });
    const filterState = h('span', { class: 'fg-muted', 'data-fg': 'filter-state' });
    const filterBox = h('div', { class: 'fg-filter' }, [
      h('div', { class: 'fg-row' }, [fCode, fOrigin]),
      h('div', { class: 'fg-row' }, [
        h('label', { class: 'fg-inline-label', text: 'since' }), fSince,
        button('Apply', { 'data-fg': 'filter-apply', onclick: () => applyFilter() }, 'fa-filter'),
        button('', { 'data-fg': 'filter-clear', title: 'clear the filter', 'aria-label': 'clear the filter', onclick: () => { fCode.value = ''; fOrigin.value = ''; fSince.value = ''; applyFilter(); } }, 'fa-times'),
      ]),
    ]);

    const selectAll = h('input', { type: 'checkbox', 'data-fg': 'select-all', title: 'select all shown', 'aria-label': 'select all shown entries', onchange: (e) => selectShown(e.target.checked) });
    const bulkFeedback = h('div', { class: 'fg-feedback', 'data-fg': 'bulk-feedback', role: 'status' });
    const bulkBar = h('div', { class: 'fg-row fg-bulk' }, [
      selectAll,
      button('Replay selected', { 'data-fg': 'replay-selected', onclick: (e) => replayIds([...selected], e.currentTarget) }, 'fa-repeat'),
      button('Discard selected', { 'data-fg': 'discard-selected', onclick: () => discardSelected() }, 'fa-trash-o'),
      button('Replay all', { 'data-fg': 'replay-all', title: 'replay every entry matching the filter, not only the ones shown', onclick: () => replayAll() }, 'fa-forward'),
      button('Export', { 'data-fg': 'export', title: 'download the entries matching the filter as JSON', onclick: () => exportEntries() }, 'fa-download'),
    ]);
    const list = h('div', { class: 'fg-entries', 'data-fg': 'dlq-entries', role: 'list' });
    const more = button('Show more', { 'data-fg': 'more', hidden: true, onclick: () => loadEntries(true) }, 'fa-angle-double-down');

    const element = h('div', { class: 'fg-dlq' }, [
      h('div', { class: 'fg-row' }, [queueSelect, refreshButton]),
      listFeedback,
      filterBox, filterState,
      bulkBar, bulkFeedback,
      list, more,
    ]);

    function say(el, text, kind, extra) {
      el.textContent = text || '';
      el.className = `fg-feedback${kind ? ` fg-feedback-${kind}` : ''}`;
      if (extra) el.append(...[].concat(extra));
    }

    // ---- names ----
    const nodeName = (id) => ctx.labelOf(id);
    const flowName = (id, known) => ctx.flowLabel(id, known || (ctx.state() && ctx.state().flows[id]) || id);
    function originOf(item) {
      const o = item.origin || {};
      if (!o.node) return null;
      const deployed = ctx.nodeById(o.node) || (editor && editor.exists(o.node));
      return {
        id: o.node,
        type: o.type,
        label: deployed ? nodeName(o.node) : o.name || o.type || o.node,
        flow: o.flow,
        flowName: o.flow ? flowName(o.flow, o.flowName) : o.flowName,
        deployed: !!deployed,
      };
    }

    // ---- loading ----
    /** Follows the state: reloads when a dead-letter node's counts move; an open edit is never overwritten. */
    function onState(state) {
      const now = state.nodes.filter((n) => n.type === 'fg-dead-letter').map((n) => `${n.id}:${n.counters.received}:${n.counters.sent}:${n.gauges.dlq_depth}:${n.label}`).join('|');
      refreshOrigins(state);
      renderOutcomes();
      if (now !== signature) {
        signature = now;
        stale = true;
      }
      if (stale && isShown()) refresh();
    }
    const isShown = () => element.offsetParent !== null || page;

    function refresh() {
      if (!stale && queues.length) return Promise.resolve();
      stale = false;
      return loadQueues().then(() => loadEntries()).catch((err) => say(listFeedback, message(err), 'error'));
    }

    async function loadQueues() {
      const data = await api('GET', 'flowguard/dlq');
      queues = data.nodes;
      const current = queueSelect.value;
      queueSelect.textContent = '';
      if (!queues.length) queueSelect.append(h('option', { value: '', text: 'no dead-letter node deployed' }));
      for (const q of queues) {
        const flow = q.flow ? ` · ${flowName(q.flow)}` : '';
        queueSelect.append(h('option', { value: q.node, text: `${nodeName(q.node) || q.name || q.node} (${q.depth === null ? 'store unavailable' : q.depth})${flow}` }));
      }
      if (queues.some((q) => q.node === current)) queueSelect.value = current;
    }

    function refreshOrigins(state) {
      const current = fOrigin.value;
      fOrigin.textContent = '';
      fOrigin.append(h('option', { value: '', text: 'any origin node' }));
      for (const n of state.nodes.filter((x) => x.type !== 'fg-dead-letter')) {
        fOrigin.append(h('option', { value: n.id, text: `${nodeName(n.id)} · ${flowName(n.flow, n.flowName)}` }));
      }
      fOrigin.value = current;
      if (fOrigin.value !== current) { // a node no longer deployed: keep it selectable
        fOrigin.append(h('option', { value: current, text: current }));
        fOrigin.value = current;
      }
    }

    function applyFilter() {
      const f = {};
      if (fCode.value.trim()) f.code = fCode.value.trim();
      if (fOrigin.value) f.origin = fOrigin.value;
      if (fSince.value) {
        const since = new Date(fSince.value).getTime();
        if (!Number.isFinite(since)) return say(listFeedback, 'since: pick a date and time', 'error');
        f.since = String(since);
      }
      filter = f;
      const parts = [];
      if (f.code) parts.push(`code ${f.code}`);
      if (f.origin) parts.push(`from ${nodeName(f.origin)}`);
      if (f.since) parts.push(`since ${ops.ui.clock(Number(f.since))}`);
      filterState.textContent = parts.length ? `filtered: ${parts.join(', ')}` : '';
      selected.clear();
      gone.clear();
      closeEntry();
      loadEntries();
    }

    const query = (extra) => {
      const q = new URLSearchParams(extra || {});
      for (const [k, v] of Object.entries(filter)) q.set(k, v);
      return q;
    };

    async function loadEntries(append) {
      const node = queueSelect.value;
      if (!node) { entries = []; renderEntries(); return; }
      const q = query({ limit: '50' });
      if (append && next) q.set('after', next);
      try {
        const data = await api('GET', `flowguard/dlq/${encodeURIComponent(node)}?${q}`);
        entries = append ? entries.concat(data.entries) : data.entries;
        next = data.next;
        say(listFeedback, '');
        renderEntries();
      } catch (err) {
        say(listFeedback, message(err), 'error');
      }
    }

    // ---- the list: rows keyed by id, so an open entry (and its editor) stays where it is across reloads ----
    const rows = new Map();

    function entryRow(e) {
      const it = e.item;
      const origin = originOf(it);
      const check = h('input', { type: 'checkbox', 'data-entry-check': e.id, 'aria-label': `select entry ${e.id}`, onchange: (ev) => { if (ev.target.checked) selected.add(e.id); else selected.delete(e.id); } });
      const row = h('div', { class: 'fg-entry', role: 'listitem', 'data-entry-id': e.id }, [
        check,
        h('div', { class: 'fg-entry-main', role: 'button', tabindex: '0', title: 'open this dead letter', onclick: () => toggleEntry(e.id), onkeydown: (ev) => { if (ev.key === 'Enter') toggleEntry(e.id); } }, [
          h('div', { class: 'fg-entry-line' }, [
            h('span', { class: 'fg-code fg-error-text', text: (it.error && it.error.code) || 'ERROR' }),
            time(it.parkedAt, { class: 'fg-entry-time' }),
          ]),
          h('div', { class: 'fg-entry-line fg-muted' }, [
            h('span', { class: 'fg-ellipsis', text: origin ? `from ${origin.label}${origin.flowName ? ` · ${origin.flowName}` : ''}` : 'origin not recorded' }),
            it.correlationId ? h('span', { class: 'fg-ellipsis fg-corr', title: `correlation id ${it.correlationId}`, text: it.correlationId }) : null,
          ]),
        ]),
      ]);
      return row;
    }

    function renderEntries() {
      // the wanted order: the loaded entries, with entries gone here kept at their old place
      const shown = entries.map((e) => ({ id: e.id, entry: e }));
      for (const [id, g] of gone) if (!shown.some((x) => x.id === id)) shown.splice(Math.min(g.index, shown.length), 0, { id, entry: g.entry, gone: g });
      const wanted = [];
      for (const { id, entry, gone: g } of shown) {
        let r = rows.get(id);
        if (!r) {
          r = { row: entryRow(entry) };
          rows.set(id, r);
        }
        r.row.classList.toggle('fg-entry-gone', !!g);
        r.row.querySelector('input[data-entry-check]').disabled = !!g;
        r.row.querySelector('input[data-entry-check]').checked = !g && selected.has(id);
        wanted.push(r.row);
        if (open && open.id === id) wanted.push(open.element);
      }
      for (const [id, r] of rows) if (!wanted.includes(r.row)) { r.row.remove(); rows.delete(id); }
      if (open && !wanted.includes(open.element)) closeEntry();
      // move only what is out of place (moving the open entry would reset its editor)
      let cursor = list.firstElementChild;
      for (const el of wanted) {
        if (el === cursor) { cursor = cursor.nextElementSibling; continue; }
        list.insertBefore(el, cursor);
      }
      while (cursor) { const nextEl = cursor.nextElementSibling; if (!wanted.includes(cursor)) cursor.remove(); cursor = nextEl; }
      let empty = list.querySelector('.fg-empty');
      if (!wanted.length) {
        if (!empty) list.append(h('div', { class: 'fg-empty', text: Object.keys(filter).length ? 'no dead letter matches the filter' : 'the queue is empty' }));
      } else if (empty) empty.remove();
      for (const id of [...selected]) if (!entries.some((e) => e.id === id)) selected.delete(id);
      selectAll.checked = entries.length > 0 && entries.every((e) => selected.has(e.id));
      more.hidden = !next;
    }

    function selectShown(on) {
      for (const e of entries) { if (on) selected.add(e.id); else selected.delete(e.id); }
      renderEntries();
    }

    // ---- one entry, opened in place under its row ----
    function toggleEntry(id) {
      if (open && open.id === id) return closeEntry();
      openEntry(id);
    }

    function closeEntry() {
      if (!open) return;
      if (open.payload) open.payload.destroy();
      open.element.remove();
      const r = rows.get(open.id);
      if (r) r.row.classList.remove('fg-entry-open');
      if (gone.has(open.id)) { gone.delete(open.id); }
      open = null;
      renderEntries();
    }

    async function openEntry(id) {
      const node = queueSelect.value;
      let e;
      try {
        e = await api('GET', `flowguard/dlq/${encodeURIComponent(node)}/${encodeURIComponent(id)}`);
      } catch (err) {
        return say(listFeedback, message(err), 'error');
      }
      if (open) closeEntry();
      const it = e.item;
      const feedback = h('div', { class: 'fg-feedback', 'data-fg': 'entry-feedback', role: 'status' });
      const outcome = h('div', { class: 'fg-outcome', 'data-fg': 'replay-outcome', hidden: true });
      const editorBox = h('div', { class: 'fg-code-editor', 'data-fg': 'payload-editor' });
      const actions = h('div', { class: 'fg-row fg-entry-actions' }, [
        button('Save payload', { class: 'primary', 'data-fg': 'save-payload', onclick: (ev) => save(ev.currentTarget) }, 'fa-floppy-o'),
        button('Replay', { 'data-fg': 'replay-one', onclick: (ev) => replayOne(ev.currentTarget) }, 'fa-repeat'),
        button('Discard', { 'data-fg': 'discard-one', onclick: () => discardOne() }, 'fa-trash-o'),
        button('Close', { 'data-fg': 'close-entry', onclick: () => closeEntry() }),
      ]);
      const detail = h('div', { class: 'fg-entry-detail', 'data-fg': 'dlq-detail', 'data-entry-id': id }, [
        props(id, it),
        history(it.history),
        h('div', { class: 'fg-prop-label', text: 'Payload (JSON)' }),
        editorBox,
        actions, feedback, outcome,
      ]);
      open = { id, element: detail, payload: null, initial: json(it.msg && it.msg.payload), feedback, outcome, actions, editorBox, entry: e };
      const r = rows.get(id);
      if (r) r.row.classList.add('fg-entry-open');
      renderEntries();
      const ed = await payloadEditor(editorBox, open.initial);
      if (open && open.element === detail) open.payload = ed;
      else ed.destroy(); // closed while the editor loaded
    }

    /** The payload editor: the editor's own code editor in the sidebar, Ace on the page, a textarea without either. */
    async function payloadEditor(box, text) {
      let ed = null;
      try {
        if (ctx.codeEditor) ed = await ctx.codeEditor(box, text);
      } catch (err) {
        ed = null;
      }
      if (!ed) {
        const area = h('textarea', { class: 'fg-textarea', 'data-fg': 'payload', spellcheck: 'false' });
        area.value = text;
        box.append(area);
        ed = { getValue: () => area.value, setValue: (v) => { area.value = v; }, destroy: () => area.remove() };
      }
      box.fgEditor = ed; // the browser tests set the payload through it
      return ed;
    }

    function props(id, it) {
      const origin = originOf(it);
      const rowsOut = [];
      const prop = (label, value, attrs) => rowsOut.push(h('div', Object.assign({ class: 'fg-prop' }, attrs || {}), [h('div', { class: 'fg-prop-label', text: label }), h('div', { class: 'fg-prop-value' }, value)]));
      const err = it.error || {};
      prop('Error', [h('span', { class: 'fg-code fg-error-text', text: err.code || 'ERROR' }), h('span', { text: ` ${err.message || ''}${err.status ? ` (HTTP ${err.status})` : ''}` })], { 'data-fg': 'entry-error' });
      let originValue;
      if (origin) {
        const canReveal = editor && editor.exists(origin.id);
        originValue = [
          editor && canReveal ? editor.icon(origin.id) : null,
          h('span', { class: 'fg-origin-label', text: origin.label }),
          origin.flowName ? h('span', { class: 'fg-muted', text: ` in ${origin.flowName}` }) : null,
          h('div', { class: 'fg-muted fg-small', text: `${origin.type || 'node'} · id ${origin.id}${origin.deployed ? '' : ' · no longer deployed'}` }),
          canReveal
            ? button('Show in workspace', { 'data-fg': 'reveal-origin', title: 'select the node that failed in the workspace', onclick: () => editor.reveal(origin.id) }, 'fa-search')
            : !editor && origin.deployed
              ? h('a', { class: 'red-ui-button red-ui-button-small', 'data-fg': 'reveal-origin', href: `../../#node/${encodeURIComponent(origin.id)}`, target: '_blank', rel: 'noopener', title: 'open the editor at the node that failed' }, [h('i', { class: 'fa fa-search' }), h('span', { text: 'Show in editor' })])
              : null,
        ];
      } else {
        originValue = h('span', { class: 'fg-muted', text: 'not recorded', title: 'The entry does not say which node failed: it was parked before FlowGuard recorded origins, or the msg was sent to the dead-letter node without an error source.' });
      }
      prop('From', originValue, { 'data-fg': 'entry-origin' });
      prop('Parked', time(it.parkedAt));
      if (it.firstFailureAt && it.firstFailureAt !== it.parkedAt) prop('First failure', time(it.firstFailureAt));
      prop('Retries', it.attempts ? `${it.attempts} (tried ${it.attempts + 1} times)` : 'none');
      if (it.correlationId) prop('Correlation id', h('span', { class: 'fg-mono', text: it.correlationId }), { 'data-fg': 'entry-correlation' });
      if (it.msg && it.msg.replay) prop('Replayed before', `${it.msg.replay.count} time${it.msg.replay.count === 1 ? '' : 's'}, last from entry ${it.msg.replay.id}`);
      if (it.editedAt) prop('Payload edited', time(it.editedAt));
      if (it.removed && it.removed.length) prop('Not stored', h('span', { class: 'fg-mono', text: it.removed.join(', ') }));
      prop('Entry', h('span', { class: 'fg-mono', 'data-fg': 'entry-id', text: id }));
      return h('div', { class: 'fg-props' }, rowsOut);
    }

    function history(items) {
      if (!Array.isArray(items) || !items.length) return h('div', { class: 'fg-history-box fg-muted fg-small', 'data-fg': 'history', text: 'No attempt history: it was not retried.' });
      return h('div', { class: 'fg-history-box' }, [
        h('div', { class: 'fg-prop-label', text: 'Attempt history' }),
        h('ol', { class: 'fg-history', 'data-fg': 'history' }, items.map((a) => h('li', {}, [
          h('span', { class: 'fg-muted', text: `Try ${Number.isInteger(a.attempt) ? a.attempt + 1 : '?'} · ` }),
          a.at ? time(Number(a.at)) : null,
          h('div', {}, [
            h('span', { class: 'fg-code fg-error-text', text: a.code || 'ERROR' }),
            h('span', { text: ` ${a.message || ''}${a.status ? ` (HTTP ${a.status})` : ''}` }),
            a.delayMs ? h('span', { class: 'fg-muted', text: ` · retried after ${seconds(a.delayMs)}` }) : null,
          ]),
        ]))),
      ]);
    }
    const seconds = (ms) => (ms < 1000 ? `${ms} ms` : ms < 120000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 60000)} min`);

    function parsePayload() {
      try {
        return { ok: true, value: JSON.parse(open.payload.getValue()) };
      } catch (err) {
        return { ok: false, error: `the payload is not valid JSON: ${err.message}` };
      }
    }
    const dirty = () => open && open.payload && open.payload.getValue() !== open.initial;

    async function save(btn) {
      const o = open;
      const parsed = parsePayload();
      if (!parsed.ok) return say(o.feedback, parsed.error, 'error');
      btn.disabled = true;
      try {
        await api('PUT', `flowguard/dlq/${encodeURIComponent(queueSelect.value)}/${encodeURIComponent(o.id)}`, { payload: parsed.value });
        o.initial = o.payload.getValue();
        say(o.feedback, `Payload saved at ${ops.ui.clock(Date.now())}.`, 'success');
        return true;
      } catch (err) {
        say(o.feedback, message(err), 'error');
        return false;
      } finally {
        btn.disabled = false;
      }
    }

    async function replayOne(btn) {
      const o = open;
      if (dirty()) {
        // What is replayed is what is stored: an edit must be saved first, or the old payload would go out.
        if (!(await save(o.actions.querySelector('[data-fg="save-payload"]')))) return;
      }
      btn.disabled = true;
      try {
        const r = await api('POST', `flowguard/dlq/${encodeURIComponent(queueSelect.value)}/replay`, { ids: [o.id] });
        if (!r.replayed.includes(o.id)) return say(o.feedback, 'Not replayed: this dead letter is already gone (replayed or discarded elsewhere).', 'error');
        markGone(o, 'replayed');
        say(o.feedback, `Replayed at ${ops.ui.clock(Date.now())}: it left the queue.`, 'success');
        renderOutcomes();
        await refreshAfterAction();
      } catch (err) {
        say(o.feedback, message(err), 'error');
      } finally {
        btn.disabled = false;
      }
    }

    async function discardOne() {
      const o = open;
      if (!window.confirm('Discard this dead letter? It cannot be recovered.')) return;
      try {
        const r = await api('POST', `flowguard/dlq/${encodeURIComponent(queueSelect.value)}/purge`, { ids: [o.id] });
        if (!r.removed.includes(o.id)) return say(o.feedback, 'Already gone (replayed or discarded elsewhere).', 'error');
        markGone(o, 'discarded');
        say(o.feedback, `Discarded at ${ops.ui.clock(Date.now())}: it is gone for good.`, 'success');
        await refreshAfterAction();
      } catch (err) {
        say(o.feedback, message(err), 'error');
      }
    }

    /** The entry left the queue: keep it in place, muted and read-only, with what happened next to its buttons. */
    function markGone(o, kind) {
      const index = entries.findIndex((e) => e.id === o.id);
      gone.set(o.id, { entry: o.entry, kind, at: Date.now(), index: index < 0 ? 0 : index });
      selected.delete(o.id);
      const text = o.payload ? o.payload.getValue() : o.initial;
      if (o.payload) o.payload.destroy();
      o.payload = null;
      o.editorBox.textContent = '';
      o.editorBox.append(h('pre', { class: 'fg-pre', text }));
      o.actions.textContent = '';
      o.actions.append(button('Close', { 'data-fg': 'close-entry', onclick: () => closeEntry() }));
      o.gone = kind;
      o.element.classList.add('fg-entry-detail-gone');
    }

    async function refreshAfterAction() {
      await loadQueues();
      await loadEntries();
    }

    // ---- several entries ----
    async function replayIds(ids, btn) {
      if (!ids.length) return say(bulkFeedback, 'Select entries first (the boxes on the left).', 'error');
      if (btn) btn.disabled = true;
      try {
        const r = await api('POST', `flowguard/dlq/${encodeURIComponent(queueSelect.value)}/replay`, { ids });
        bulk = { ids: r.replayed, missing: r.missing.length, at: Date.now() };
        renderOutcomes();
        await refreshAfterAction();
      } catch (err) {
        say(bulkFeedback, message(err), 'error');
      } finally {
        if (btn) btn.disabled = false;
      }
    }

    async function replayAll() {
      const filtered = Object.keys(filter).length > 0;
      if (!window.confirm(`Replay every dead letter ${filtered ? 'matching the filter' : 'in this queue (no filter)'}?`)) return;
      try {
        const r = await api('POST', `flowguard/dlq/${encodeURIComponent(queueSelect.value)}/replay`, { all: true, filter: { code: filter.code, node: filter.origin, since: filter.since ? Number(filter.since) : undefined } });
        bulk = { ids: r.replayed, missing: r.missing.length, at: Date.now() };
        renderOutcomes();
        await refreshAfterAction();
      } catch (err) {
        say(bulkFeedback, message(err), 'error');
      }
    }

    async function discardSelected() {
      const ids = [...selected];
      if (!ids.length) return say(bulkFeedback, 'Select entries first (the boxes on the left).', 'error');
      if (!window.confirm(`Discard ${ids.length} dead letter${ids.length === 1 ? '' : 's'}? They cannot be recovered.`)) return;
      try {
        const r = await api('POST', `flowguard/dlq/${encodeURIComponent(queueSelect.value)}/purge`, { ids });
        bulk = null;
        say(bulkFeedback, `Discarded ${r.removed.length}${r.missing.length ? `; ${r.missing.length} already gone` : ''}.`, 'success');
        if (open && r.removed.includes(open.id)) closeEntry();
        await refreshAfterAction();
      } catch (err) {
        say(bulkFeedback, message(err), 'error');
      }
    }

    async function exportEntries() {
      const node = queueSelect.value;
      if (!node) return;
      try {
        const data = await api('GET', `flowguard/dlq/${encodeURIComponent(node)}/export?${query()}`);
        const url = window.URL.createObjectURL(new window.Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        const link = h('a', { href: url, download: `dead-letters-${node}.json` });
        document.body.append(link);
        link.click();
        link.remove();
        window.setTimeout(() => window.URL.revokeObjectURL(url), 1000);
        say(bulkFeedback, `Exported ${data.entries.length} entr${data.entries.length === 1 ? 'y' : 'ies'} to dead-letters-${node}.json.`, 'success');
      } catch (err) {
        say(bulkFeedback, message(err), 'error');
      }
    }

    // ---- what became of replays ----
    const outcomeOf = (id) => {
      const s = ctx.state();
      return s && s.replays ? s.replays.find((r) => String(r.id) === String(id)) : undefined;
    };

    /** The entry a replayed message was parked again as: the parking node's entries since it arrived there. */
    function findReparked(r) {
      if (reparked.has(r.id) || !r.parkedBy) return;
      reparked.set(r.id, null);
      api('GET', `flowguard/dlq/${encodeURIComponent(r.parkedBy)}?since=${encodeURIComponent(r.parkedSince || r.at)}&limit=500`)
        .then((data) => {
          const hit = data.entries.find((e) => e.item && e.item.msg && e.item.msg.replay && String(e.item.msg.replay.id) === String(r.id));
          reparked.set(r.id, hit ? { node: r.parkedBy, id: hit.id, code: hit.item.error && hit.item.error.code } : { node: r.parkedBy, id: null });
          renderOutcomes();
        })
        .catch(() => reparked.delete(r.id));
    }

    function describe(r) {
      const where = (id) => (id ? nodeName(id) : 'the flow');
      switch (r.state) {
        case 'delivered': return { kind: 'success', text: `Delivered: the flow handled it without an error (last node: ${where(r.node)}).` };
        case 'in-flight': return { kind: 'info', text: `In flight: now at ${where(r.node)}…` };
        case 'waiting-retry': return { kind: 'info', text: `Waiting for a retry in ${where(r.node)}.` };
        case 'failed': return { kind: 'error', text: `Failed at ${where(r.error && r.error.node)}: ${r.error ? `${r.error.code}: ${r.error.message}` : 'error'} (nothing parked it).` };
        case 'parked': {
          findReparked(r);
          const found = reparked.get(r.id);
          const queue = nodeName(r.parkedBy);
          if (!found) return { kind: 'error', text: `Parked again in ${queue}${r.error ? ` (${r.error.code})` : ''}…` };
          if (!found.id) return { kind: 'error', text: `Parked again in ${queue}${r.error ? ` (${r.error.code})` : ''}.` };
          return { kind: 'error', text: `Parked again as entry ${found.id} in ${queue}${found.code ? ` (${found.code})` : ''}.`, open: found };
        }
        default: return { kind: 'info', text: r.state };
      }
    }

    function renderOutcomes() {
      if (open && open.gone === 'replayed') {
        const r = outcomeOf(open.id);
        const d = r ? describe(r) : { kind: 'info', text: 'Waiting for news of it from the runtime…' };
        open.outcome.hidden = false;
        open.outcome.className = `fg-outcome fg-feedback-${d.kind}`;
        open.outcome.setAttribute('data-state', r ? r.state : 'unknown');
        open.outcome.textContent = '';
        open.outcome.append(h('i', { class: `fa ${d.kind === 'success' ? 'fa-check-circle' : d.kind === 'error' ? 'fa-exclamation-circle' : 'fa-clock-o'}` }), ` ${d.text} `);
        if (d.open) open.outcome.append(button(`Open entry ${d.open.id}`, { 'data-fg': 'open-reparked', onclick: () => goTo(d.open.node, d.open.id) }, 'fa-folder-open-o'));
      }
      if (bulk) {
        const counts = {};
        const extra = [];
        for (const id of bulk.ids) {
          const r = outcomeOf(id);
          const state = r ? r.state : 'in-flight';
          counts[state] = (counts[state] || 0) + 1;
          if (r && r.state === 'parked') {
            const d = describe(r);
            if (d.open) extra.push(button(`Open entry ${d.open.id}`, { 'data-fg': 'open-reparked', onclick: () => goTo(d.open.node, d.open.id) }, 'fa-folder-open-o'));
          }
        }
        const names = { delivered: 'delivered', 'in-flight': 'in flight', 'waiting-retry': 'waiting for a retry', parked: 'parked again', failed: 'failed' };
        const summary = Object.entries(counts).map(([k, v]) => `${v} ${names[k] || k}`).join(', ');
        const text = `Replayed ${bulk.ids.length}${bulk.missing ? ` (${bulk.missing} already gone)` : ''}${summary ? `: ${summary}` : ''}.`;
        say(bulkFeedback, text, counts.parked || counts.failed ? 'error' : counts['in-flight'] || counts['waiting-retry'] ? 'info' : 'success', extra);
      }
    }

    async function goTo(node, id) {
      if (queueSelect.value !== node) {
        queueSelect.value = node;
        gone.clear();
      }
      fCode.value = ''; fOrigin.value = ''; fSince.value = '';
      filter = {};
      filterState.textContent = '';
      if (open) closeEntry();
      await loadEntries();
      await openEntry(id);
      if (open) open.element.scrollIntoView({ block: 'nearest' });
    }

    return { element, onState, refresh };
  }

  ops.dlqBrowser = dlqBrowser;
})();
