/* global window, document, URLSearchParams */
/**
 * The dead-letter queue browser of the ops view: pick a DLQ node, filter, page, open an entry (payload, error,
 * attempt history, correlation id), edit its payload as JSON, replay one / selected / all matching, discard, export.
 * It only calls the fg-dead-letter admin routes (flowguard/dlq/...), through the `api` it is given.
 */
(function () {
  'use strict';
  const { h, time, json } = window.FlowGuardOpsUi;

  /** Returns { elements, onState(state) }; `say(text, isError)` shows a message in the view. */
  function dlqBrowser(api, say) {
    const fail = (err) => say(err && err.message ? err.message : String(err), true);
    let entries = [];
    let next = null;
    let openId = null;
    let signature = '';

    const dlqSelect = h('select', { 'data-fg': 'dlq-node', onchange: () => loadEntries() });
    const fCode = h('input', { placeholder: 'error code', 'data-fg': 'filter-code' });
    const fOrigin = h('input', { placeholder: 'origin node id', 'data-fg': 'filter-origin' });
    const fSince = h('input', { placeholder: 'since (ISO date)', 'data-fg': 'filter-since' });
    const dlqBody = h('tbody');
    const dlqTable = h('table', { 'data-fg': 'dlq-entries' }, [
      h('thead', {}, h('tr', {}, [h('th', {}, h('input', { type: 'checkbox', 'data-fg': 'select-all', onchange: (e) => selectAll(e.target.checked) })), h('th', { text: 'Parked' }), h('th', { text: 'Code' }), h('th', { text: 'Correlation id' })])),
      dlqBody,
    ]);
    const more = h('button', { 'data-fg': 'more', text: 'More', hidden: true, onclick: () => loadEntries(true) });
    const detail = h('div', { class: 'fg-detail', 'data-fg': 'dlq-detail', hidden: true });

    const elements = [
      h('h3', { text: 'Dead-letter queue' }),
      h('div', { class: 'fg-bar' }, [dlqSelect, h('button', { text: 'Refresh', 'data-fg': 'dlq-refresh', onclick: () => loadDlqNodes().then(() => loadEntries()).catch(fail) })]),
      h('div', { class: 'fg-bar' }, [fCode, fOrigin, fSince, h('button', { text: 'Filter', 'data-fg': 'filter-apply', onclick: () => loadEntries() })]),
      h('div', { class: 'fg-bar' }, [
        h('button', { text: 'Replay selected', 'data-fg': 'replay-selected', onclick: () => act('replay', { ids: selected() }) }),
        h('button', { text: 'Replay all matching', 'data-fg': 'replay-all', onclick: () => confirmAll('Replay') && act('replay', { all: true, filter: filter() }) }),
        h('button', { text: 'Discard selected', 'data-fg': 'discard-selected', onclick: () => confirmDiscard() && act('purge', { ids: selected() }) }),
        h('button', { text: 'Export', 'data-fg': 'export', title: 'download the entries matching the filter as JSON', onclick: () => exportEntries() }),
      ]),
      dlqTable, more, detail,
    ];

    /** The list follows parks and replays (seen in the state); an open payload edit is never overwritten. */
    function onState(state) {
      const now = state.nodes.filter((n) => n.type === 'fg-dead-letter').map((n) => `${n.id}:${n.counters.received}:${n.counters.sent}:${n.gauges.dlq_depth}`).join('|');
      if (now === signature) return;
      signature = now;
      loadDlqNodes().then(() => { if (!editing()) loadEntries(); }).catch(fail);
    }

    async function loadDlqNodes() {
      const data = await api('GET', 'flowguard/dlq');
      const current = dlqSelect.value;
      dlqSelect.textContent = '';
      if (!data.nodes.length) dlqSelect.append(h('option', { value: '', text: 'no dead-letter node deployed' }));
      for (const n of data.nodes) dlqSelect.append(h('option', { value: n.node, text: `${n.name || n.node} (${n.depth === null ? '?' : n.depth})` }));
      if (data.nodes.some((n) => n.node === current)) dlqSelect.value = current;
    }

    function filter() {
      const f = {};
      if (fCode.value.trim()) f.code = fCode.value.trim();
      if (fOrigin.value.trim()) f.node = fOrigin.value.trim();
      if (fSince.value.trim()) f.since = fSince.value.trim();
      return f;
    }

    async function loadEntries(append) {
      const node = dlqSelect.value;
      if (!node) { dlqBody.textContent = ''; more.hidden = true; return; }
      const q = filterQuery({ limit: '50' });
      if (append && next) q.set('after', next);
      try {
        const data = await api('GET', `flowguard/dlq/${encodeURIComponent(node)}?${q}`);
        entries = append ? entries.concat(data.entries) : data.entries;
        next = data.next;
        renderEntries();
      } catch (err) { fail(err); }
    }

    function filterQuery(extra) {
      const f = filter();
      const q = new URLSearchParams(extra || {});
      if (f.code) q.set('code', f.code);
      if (f.node) q.set('origin', f.node);
      if (f.since) q.set('since', f.since);
      return q;
    }

    async function exportEntries() {
      const node = dlqSelect.value;
      if (!node) return;
      try {
        const data = await api('GET', `flowguard/dlq/${encodeURIComponent(node)}/export?${filterQuery()}`);
        const url = window.URL.createObjectURL(new window.Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        const link = h('a', { href: url, download: `dead-letters-${node}.json` });
        document.body.append(link);
        link.click();
        link.remove();
        window.URL.revokeObjectURL(url);
        say(`exported ${data.entries.length}`);
      } catch (err) { fail(err); }
    }

    function renderEntries() {
      dlqBody.textContent = '';
      if (!entries.length) dlqBody.append(h('tr', {}, h('td', { colspan: 4, class: 'fg-muted', text: 'the queue is empty (for this filter)' })));
      for (const e of entries) {
        const it = e.item;
        dlqBody.append(h('tr', { class: `fg-click${e.id === openId ? ' fg-selected' : ''}`, 'data-entry-id': e.id, onclick: (ev) => { if (ev.target.type !== 'checkbox') openEntry(e.id); } }, [
          h('td', {}, h('input', { type: 'checkbox', 'data-entry-check': e.id })),
          h('td', { text: time(it.parkedAt) }),
          h('td', { class: 'fg-err', text: it.error && it.error.code }),
          h('td', { text: it.correlationId || '' }),
        ]));
      }
      more.hidden = !next;
      if (openId && !entries.some((e) => e.id === openId) && !editing()) closeDetail();
    }

    const selected = () => [...dlqBody.querySelectorAll('input[data-entry-check]:checked')].map((c) => c.getAttribute('data-entry-check'));
    const selectAll = (on) => dlqBody.querySelectorAll('input[data-entry-check]').forEach((c) => { c.checked = on; });
    const confirmAll = (verb) => window.confirm(`${verb} every dead letter matching the filter${Object.keys(filter()).length ? '' : ' (no filter: the whole queue)'}?`);
    const confirmDiscard = () => window.confirm('Discard the selected dead letters? They cannot be recovered.');
    const editing = () => !detail.hidden && detail.querySelector('textarea') && detail.querySelector('textarea').dataset.dirty === '1';

    async function act(kind, body) {
      const node = dlqSelect.value;
      if (!node) return;
      if (body.ids && !body.ids.length) return say('select entries first', true);
      try {
        const r = await api('POST', `flowguard/dlq/${encodeURIComponent(node)}/${kind}`, body);
        const done = kind === 'replay' ? r.replayed : r.removed;
        say(`${kind === 'replay' ? 'replayed' : 'discarded'} ${done.length}${r.missing && r.missing.length ? `, ${r.missing.length} already gone` : ''}`);
        if (openId && done.includes(openId)) closeDetail();
        await loadDlqNodes();
        await loadEntries();
      } catch (err) { fail(err); }
    }

    function closeDetail() {
      openId = null;
      detail.hidden = true;
      detail.textContent = '';
    }

    async function openEntry(id) {
      const node = dlqSelect.value;
      try {
        const e = await api('GET', `flowguard/dlq/${encodeURIComponent(node)}/${encodeURIComponent(id)}`);
        openId = id;
        const it = e.item;
        const payload = h('textarea', { 'data-fg': 'payload', spellcheck: 'false', oninput: () => { payload.dataset.dirty = '1'; } });
        payload.value = json(it.msg && it.msg.payload);
        detail.textContent = '';
        detail.append(
          h('div', {}, [h('b', { text: 'Entry ' }), h('span', { 'data-fg': 'entry-id', text: id }), h('span', { class: 'fg-muted', text: `  parked ${time(it.parkedAt)}` })]),
          h('div', { text: `correlation id: ${it.correlationId || '—'}` }),
          h('div', { text: `origin: ${[it.origin && it.origin.name, it.origin && it.origin.type, it.origin && it.origin.node].filter(Boolean).join(' · ') || '—'}` }),
          h('div', { class: 'fg-err', 'data-fg': 'entry-error', text: `${it.error.code}: ${it.error.message}${it.error.status ? ` (HTTP ${it.error.status})` : ''}` }),
          h('div', { text: `attempts: ${it.attempts}${it.editedAt ? ` · payload edited ${time(it.editedAt)}` : ''}` }),
          h('div', { class: 'fg-muted', text: 'attempt history' }), h('pre', { 'data-fg': 'history', text: json(it.history) }),
          h('div', { class: 'fg-muted', text: 'payload (JSON, editable)' }), payload,
          h('div', { class: 'fg-bar' }, [
            h('button', { text: 'Save payload', 'data-fg': 'save-payload', onclick: () => save(id, payload) }),
            h('button', { text: 'Replay', 'data-fg': 'replay-one', onclick: () => act('replay', { ids: [id] }) }),
            h('button', { text: 'Discard', 'data-fg': 'discard-one', onclick: () => confirmDiscard() && act('purge', { ids: [id] }) }),
            h('button', { text: 'Close', onclick: closeDetail }),
          ]),
        );
        detail.hidden = false;
        renderEntries();
      } catch (err) { fail(err); }
    }

    async function save(id, textarea) {
      let payload;
      try { payload = JSON.parse(textarea.value); } catch (err) { return say(`the payload is not valid JSON: ${err.message}`, true); }
      try {
        await api('PUT', `flowguard/dlq/${encodeURIComponent(dlqSelect.value)}/${encodeURIComponent(id)}`, { payload });
        textarea.dataset.dirty = '';
        say('payload saved');
        await openEntry(id);
      } catch (err) { fail(err); }
    }

    return { elements, onState };
  }

  window.FlowGuardOpsDlq = { dlqBrowser };
})();
