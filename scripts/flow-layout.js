// Lays out a tab of a shipped flow so it reads at 100 % zoom: its sections (named Node-RED groups) stacked top to
// bottom, each laid out left to right in columns by wiring depth; a wire from one section to another becomes a pair of
// link nodes named after the node they lead to, so no wire crosses the tab. The tab's first comment stays on top.
// Used by scripts/flows.js; the result is checked in the editor by test/browser/flows.test.ts.
'use strict';

/** Where things go, in canvas pixels. */
const LEFT = 100; // a node's left edge: room for an inject button and the group's padding
const TOP = 40; // the first comment's centre
const COLUMN_GAP = 70; // between the widest node of a column and the next column (status texts run right)
const ROW_GAP = 40; // between a node's bottom and the next node's top in a column (its status sits in it)
const GROUP_PAD = 30; // Node-RED draws a group 25 px around its nodes (and its label inside that)
const GROUP_LABEL = 20;
const SECTION_GAP = 36;
const LINK_PREFIX = 'lk-';

/** How wide a node's status text gets (the longest seen in the demo), where it is wider than most nodes. */
const STATUS_WIDTH = {
  'fg-salesforce-events': 340, 'fg-snowflake': 300, 'fg-reconcile': 290, 'fg-retry': 220, 'fg-dead-letter': 210,
  'fg-salesforce': 210, 'fg-sequencer': 210, 'fg-idempotency-complete': 180, 'fg-stripe': 170,
};

/** A node's size as the editor draws it: width from its label (14 px Helvetica, ~8 px a character), height from its ports. */
function sizeOf(node, label) {
  if (node.type === 'link in' || node.type === 'link out') return { w: Math.max(100, 20 * Math.ceil((label.length * 8 + 50) / 20)), h: 30 };
  const outputs = Array.isArray(node.wires) ? node.wires.length : 0;
  return { w: Math.max(100, 20 * Math.ceil((label.length * 8 + 50) / 20)), h: Math.max(30, outputs * 15) };
}

/** The generated link nodes are taken out again (their wires restored), so a layout can be redone from the wiring. */
function unlink(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const generated = (id) => typeof id === 'string' && id.startsWith(LINK_PREFIX) && byId.has(id);
  const targetsOf = (linkOutId) => (byId.get(linkOutId).links ?? []).flatMap((inId) => byId.get(inId)?.wires?.[0] ?? []);
  const out = [];
  for (const node of nodes) {
    if (generated(node.id) && (node.type === 'link in' || node.type === 'link out')) continue;
    if (node.type === 'group') continue;
    const copy = { ...node };
    delete copy.g;
    if (Array.isArray(copy.wires)) {
      copy.wires = copy.wires.map((port) => [...new Set(port.flatMap((id) => (generated(id) && byId.get(id).type === 'link out' ? targetsOf(id) : [id])))]);
    }
    out.push(copy);
  }
  return out;
}

/**
 * Lays out one tab. `nodes`: the tab's nodes (no config nodes), any earlier layout's groups and link nodes included;
 * `sections`: [{ name, ids }] in reading order (nodes left out form sections of their own, one per connected part,
 * named after its first node); `labelOf(node)`: the editor's label. Returns the tab's new nodes: comment(s), groups,
 * nodes with x / y / g, link nodes.
 */
function layoutTab(tabId, nodes, sections, labelOf) {
  const plain = unlink(nodes);
  const comments = plain.filter((n) => n.type === 'comment');
  const heading = comments[0];
  const rest = plain.filter((n) => n !== heading);
  const byId = new Map(rest.map((n) => [n.id, n]));
  const order = new Map(nodes.map((n, i) => [n.id, i]));

  // Sections: the named ones, then one per connected part of what is left.
  const sectionOf = new Map();
  const list = [];
  for (const s of sections) {
    const ids = s.ids.filter((id) => byId.has(id));
    for (const id of ids) sectionOf.set(id, list.length);
    list.push({ name: s.name, ids });
  }
  const neighbours = new Map(rest.map((n) => [n.id, new Set()]));
  for (const n of rest) for (const port of n.wires ?? []) for (const t of port) if (byId.has(t)) { neighbours.get(n.id).add(t); neighbours.get(t).add(n.id); }
  for (const n of rest) {
    if (sectionOf.has(n.id)) continue;
    const part = [];
    const stack = [n.id];
    while (stack.length) {
      const id = stack.pop();
      if (sectionOf.has(id)) continue;
      sectionOf.set(id, list.length);
      part.push(id);
      for (const m of neighbours.get(id)) if (!sectionOf.has(m)) stack.push(m);
    }
    list.push({ name: labelOf(n), ids: part });
  }

  // Wires between sections become link nodes: one "link in" before each node such a wire leads to, one "link out"
  // per source section and target; both named after the target.
  const links = [];
  const linkIn = new Map();
  const linkOut = new Map();
  for (const n of rest) {
    if (!Array.isArray(n.wires)) continue;
    const from = sectionOf.get(n.id);
    n.wires = n.wires.map((port) => port.map((t) => {
      if (!byId.has(t) || sectionOf.get(t) === from) return t;
      const label = labelOf(byId.get(t));
      if (!linkIn.has(t)) {
        const node = { id: `${LINK_PREFIX}${t}`, type: 'link in', z: tabId, name: label, links: [], x: 0, y: 0, wires: [[t]] };
        linkIn.set(t, node);
        sectionOf.set(node.id, sectionOf.get(t));
        links.push(node);
      }
      const key = `${from}:${t}`;
      if (!linkOut.has(key)) {
        const node = { id: `${LINK_PREFIX}${t}-from-${from + 1}`, type: 'link out', z: tabId, name: label, mode: 'link', links: [linkIn.get(t).id], x: 0, y: 0, wires: [] };
        linkOut.set(key, node);
        linkIn.get(t).links.push(node.id);
        sectionOf.set(node.id, from);
        links.push(node);
      }
      return linkOut.get(key).id;
    }));
  }
  for (const l of links) byId.set(l.id, l);
  // Link nodes show their names (l: true), so a reader sees where a section continues.
  for (const l of links) l.l = true;

  const all = [...rest, ...links];
  const groups = [];
  let top = heading ? TOP + 15 + SECTION_GAP / 2 : TOP - 15;
  list.forEach((section, index) => {
    const ids = new Set(all.filter((n) => sectionOf.get(n.id) === index).map((n) => n.id));
    const members = all.filter((n) => ids.has(n.id));
    const size = new Map(members.map((n) => [n.id, sizeOf(n, labelOf(n))]));
    // Columns by wiring depth (longest path from the section's entries; wires back to an earlier node are loops).
    const next = (n) => (n.wires ?? []).flat().filter((t) => ids.has(t));
    const state = new Map();
    const back = new Set();
    const visit = (id) => {
      state.set(id, 1);
      for (const t of next(byId.get(id))) {
        if (state.get(t) === 1) back.add(`${id}>${t}`);
        else if (!state.has(t)) visit(t);
      }
      state.set(id, 2);
    };
    const entryFirst = [...members].sort((a, b) => Number(a.type !== 'link in') - Number(b.type !== 'link in') || order.get(a.id) - order.get(b.id));
    const hasInput = new Set(members.flatMap((n) => next(n)));
    for (const n of entryFirst) if (!hasInput.has(n.id) && !state.has(n.id)) visit(n.id);
    for (const n of entryFirst) if (!state.has(n.id)) visit(n.id);
    const depth = new Map(members.map((n) => [n.id, 0]));
    for (let changed = true, rounds = 0; changed && rounds < members.length + 1; rounds++) {
      changed = false;
      for (const n of members) for (const t of next(n)) {
        if (back.has(`${n.id}>${t}`)) continue;
        if (depth.get(t) < depth.get(n.id) + 1) { depth.set(t, depth.get(n.id) + 1); changed = true; }
      }
    }
    // a link in sits in the column before the node it leads to
    for (const n of members) {
      if (n.type !== 'link in') continue;
      const targets = next(n);
      if (targets.length) depth.set(n.id, Math.max(0, Math.min(...targets.map((t) => depth.get(t))) - 1));
    }
    const columns = [];
    for (const n of entryFirst) (columns[depth.get(n.id)] ??= []).push(n);
    // Rows: each node near the middle of the nodes that feed it, in column order, never closer than ROW_GAP.
    const y = new Map();
    const x = new Map();
    let left = LEFT;
    const sources = new Map(members.map((n) => [n.id, []]));
    for (const n of members) for (const t of next(n)) if (!back.has(`${n.id}>${t}`)) sources.get(t).push(n.id);
    const first = top + GROUP_PAD + GROUP_LABEL;
    let bottom = first;
    columns.forEach((column = []) => {
      const width = Math.max(...column.map((n) => Math.max(size.get(n.id).w, (STATUS_WIDTH[n.type] ?? 0) + 10)));
      const wanted = (n) => {
        const from = sources.get(n.id).filter((id) => y.has(id));
        return from.length ? from.reduce((sum, id) => sum + y.get(id), 0) / from.length : first + size.get(n.id).h / 2;
      };
      column.sort((a, b) => wanted(a) - wanted(b) || order.get(a.id) - order.get(b.id));
      let floor = first;
      for (const n of column) {
        const h = size.get(n.id).h;
        const cy = Math.max(wanted(n), floor + h / 2);
        y.set(n.id, Math.round(cy / 5) * 5);
        x.set(n.id, left + size.get(n.id).w / 2);
        floor = y.get(n.id) + h / 2 + ROW_GAP;
        bottom = Math.max(bottom, y.get(n.id) + h / 2);
      }
      left += width + COLUMN_GAP;
    });
    // A link in has no wire into it: it goes to its target's row when that is free in its column.
    columns.forEach((column = []) => {
      const wanted = new Map(column.map((n) => [n.id, n.type === 'link in' && next(n).length ? y.get(next(n)[0]) : y.get(n.id)]));
      column.sort((a, b) => wanted.get(a.id) - wanted.get(b.id) || order.get(a.id) - order.get(b.id));
      let floor = first;
      for (const n of column) {
        const h = size.get(n.id).h;
        y.set(n.id, Math.round(Math.max(wanted.get(n.id), floor + h / 2) / 5) * 5);
        floor = y.get(n.id) + h / 2 + ROW_GAP;
        bottom = Math.max(bottom, y.get(n.id) + h / 2);
      }
    });
    for (const n of members) {
      n.x = Math.round(x.get(n.id));
      n.y = y.get(n.id);
    }
    const groupId = `${tabId}-g${index + 1}`;
    const minX = Math.min(...members.map((n) => n.x - size.get(n.id).w / 2)) - GROUP_PAD;
    const maxX = Math.max(...members.map((n) => n.x + size.get(n.id).w / 2)) + GROUP_PAD;
    const groupBottom = bottom + GROUP_PAD;
    groups.push({ id: groupId, type: 'group', z: tabId, name: section.name, style: { label: true }, nodes: members.map((n) => n.id), x: minX, y: top, w: maxX - minX, h: groupBottom - top });
    for (const n of members) n.g = groupId;
    top = groupBottom + SECTION_GAP;
  });
  const out = [];
  if (heading) out.push({ ...heading, x: Math.round(LEFT - 20 + sizeOf(heading, labelOf(heading)).w / 2), y: TOP });
  out.push(...groups);
  // the nodes in their original order, the new link nodes after them
  out.push(...rest, ...links);
  return out;
}

module.exports = { layoutTab, unlink, LINK_PREFIX };
