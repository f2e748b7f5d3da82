/**
 * The ops page shell served at <httpAdminRoot>/flowguard/ops/page. It holds no data: its script reads the editor's
 * token (same origin: localStorage "auth-tokens<editor path>") or `?access_token=`, and every data call it makes goes
 * to the permission-checked JSON routes, like the editor's own index page.
 */
export const OPS_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FlowGuard ops</title>
<style>
  body { font-family: -apple-system, "Helvetica Neue", Arial, sans-serif; font-size: 14px; margin: 0; color: #333; background: #f3f3f3; }
  header { background: #8f0000; color: #fff; padding: 10px 20px; font-size: 18px; }
  main { padding: 12px 20px; max-width: 1400px; }
</style>
</head>
<body>
<header>FlowGuard &middot; runtime operations</header>
<main id="fg-ops-root"></main>
<script src="view.js"></script>
<script>
(function () {
  var match = /[?&]access_token=([^&]*)/.exec(window.location.search);
  var token = match ? decodeURIComponent(match[1]) : null;
  if (!token) {
    // The editor keeps its token under "auth-tokens" + its path ("/" gives no suffix, "/admin/" gives "-admin").
    var editorPath = window.location.pathname.replace(/flowguard\\/ops\\/page\\/?$/, '');
    var key = 'auth-tokens' + editorPath.slice(0, -1).replace(/\\//g, '-');
    try { token = (JSON.parse(localStorage.getItem(key) || 'null') || {}).access_token || null; } catch (e) { token = null; }
  }
  var base = window.location.pathname.replace(/ops\\/page\\/?$/, '');
  function api(method, url, body) {
    var headers = { 'Accept': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(base + url.replace(/^flowguard\\//, ''), { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) {
        // Node-RED answers 401 both without a token and without the permission a route needs.
        if (res.status === 401 && method !== 'GET') throw new Error('not allowed: changing the dead-letter queue needs the flowguard.write permission (or the sign-in expired)');
        if (res.status === 401) throw new Error('not signed in: log in to the Node-RED editor in this browser first, or open this page with ?access_token=<token>');
        return res.json().then(function (data) {
          if (!res.ok) throw new Error(data && data.error ? data.error : ('HTTP ' + res.status));
          return data;
        });
      });
  }
  window.FlowGuardOps.mount(document.getElementById('fg-ops-root'), { mode: 'page', api: api });
})();
</script>
</body>
</html>
`;
