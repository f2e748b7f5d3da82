/* global window, document, fetch, localStorage */
/**
 * Starts the ops page (<admin root>/flowguard/ops/page): finds a token (the editor's, from this browser's
 * localStorage, or ?access_token=), calls the JSON routes with it, and mounts the ops view. The payload editor is
 * Ace from the editor's own vendor folder (the page has no Node-RED editor to ask for its code editor); a textarea
 * when Ace cannot load.
 */
(function () {
  'use strict';
  const root = new URL('../../', window.location.href); // the admin root, whatever prefix a proxy adds
  const match = /[?&]access_token=([^&]*)/.exec(window.location.search);
  let token = match ? decodeURIComponent(match[1]) : null;
  if (!token) {
    // The editor keeps its token under "auth-tokens" + its path ("/" gives no suffix, "/admin/" gives "-admin").
    const key = `auth-tokens${root.pathname.slice(0, -1).replace(/\//g, '-')}`;
    try { token = (JSON.parse(localStorage.getItem(key) || 'null') || {}).access_token || null; } catch (e) { token = null; }
  }

  function api(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(new URL(url, root), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).then((res) => {
      // Node-RED answers 401 both without a token and without the permission a route needs.
      if (res.status === 401 && method !== 'GET') throw new Error('Not allowed: changing the dead-letter queue needs the flowguard.write permission (or the sign-in expired).');
      if (res.status === 401) throw new Error('Not signed in: log in to the Node-RED editor in this browser first, or open this page with ?access_token=<token>.');
      return res.json().then((data) => {
        if (!res.ok) throw new Error(data && data.error ? data.error : `HTTP ${res.status}`);
        return data;
      });
    });
  }

  let aceLoading = null;
  function loadAce() {
    if (window.ace) return Promise.resolve(window.ace);
    aceLoading = aceLoading || new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = new URL('vendor/ace/ace.js', root).href;
      script.onload = () => (window.ace ? resolve(window.ace) : reject(new Error('no ace')));
      script.onerror = () => reject(new Error('ace did not load'));
      document.head.append(script);
    });
    return aceLoading;
  }

  /** Ace in JSON mode, styled like the editor's code editor (red-ui-editor-text-container, theme "tomorrow"). */
  async function codeEditor(box, text) {
    const ace = await loadAce();
    ace.config.set('basePath', new URL('vendor/ace', root).href);
    const container = document.createElement('div');
    container.className = 'red-ui-editor-text-container';
    box.append(container);
    const ed = ace.edit(container);
    ed.setTheme('ace/theme/tomorrow');
    ed.session.setMode('ace/mode/json');
    ed.session.setTabSize(2);
    ed.setOptions({ showPrintMargin: false, fontSize: '13px' });
    ed.$blockScrolling = Infinity;
    ed.setValue(text, -1);
    return {
      getValue: () => ed.getValue(),
      setValue: (v) => ed.setValue(v, -1),
      destroy: () => { ed.destroy(); container.remove(); },
    };
  }

  window.FlowGuardOps.mount(document.getElementById('fg-ops-root'), { mode: 'page', api, codeEditor });
})();
