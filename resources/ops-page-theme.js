/* global window, document */
/**
 * The ops page follows the editor's colour scheme: Node-RED 5 keeps the user's choice (Settings ▸ View ▸ Theme:
 * light / dark / auto) in this browser's localStorage as "view-dark-theme" and switches its dark theme on with the
 * class nr-theme-dark on <html>. Loaded in <head>, so the page never flashes light first. No effect on Node-RED 4,
 * which has no built-in dark theme (a theme plugin's stylesheets are added to the page by the runtime instead).
 */
(function () {
  'use strict';
  let choice = null;
  try { choice = window.localStorage.getItem('view-dark-theme'); } catch (e) { /* no storage: light */ }
  const dark = choice === 'dark' || (choice === 'auto' && window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);
  if (dark) document.documentElement.classList.add('nr-theme-dark');
})();
