// The statistics table: one row per group, names with their ids only in
// tooltips, sortable columns (a chooser picks which), totals and goal rows.
import { el, txt, num, fmtInt, fmtMoney, fmtPct } from './util.js';
import { DRILL, itemLabel } from './stats-nav.js';

// off: hidden until chosen in "Columns"
export const COLS = [
  { k: 'click', label: 'Clicks', t: 'int', title: 'All clicks' },
  { k: 'unique', label: 'Unique', t: 'int', title: 'Unique clicks' },
  { k: 'lpclick', label: 'LP clicks', t: 'int', title: 'Landing clicks: visitors who went on from a landing page to an offer' },
  { k: 'lpctr', label: 'LP CTR %', t: 'pct', title: 'Landing-page click-through: LP clicks / clicks × 100' },
  { k: 'total', label: 'Leads', t: 'int', title: 'All leads' },
  { k: 'cv', label: 'Valid', t: 'int', title: 'Valid leads (all but trash)', off: true },
  { k: 'cn', label: 'New', t: 'int', title: 'New leads', off: true },
  { k: 'ch', label: 'Hold', t: 'int', title: 'Leads on hold' },
  { k: 'ca', label: 'Appr.', t: 'int', title: 'Approved leads' },
  { k: 'cc', label: 'Canc.', t: 'int', title: 'Cancelled leads', off: true },
  { k: 'ct', label: 'Trash', t: 'int', title: 'Trash leads', off: true },
  { k: 'mh', label: 'Hold sum', t: 'money', title: 'Earnings on hold', off: true },
  { k: 'ma', label: 'Appr. sum', t: 'money', title: 'Approved earnings' },
  { k: 'mt', label: 'Revenue', t: 'money', title: 'Total earnings: hold + approved' },
  { k: 'cr', label: 'CR %', t: 'pct', title: 'Conversion: valid leads / unique clicks × 100' },
  { k: 'epc', label: 'EPC', t: 'money', title: 'Approved earnings / unique clicks' },
  { k: 'appr', label: 'Appr. %', t: 'pct', title: 'Approved / valid leads × 100' },
  { k: 'app', label: 'App. %', t: 'pct', title: 'Approved / all leads × 100', off: true },
  { k: 'spend', label: 'Spend', t: 'money', title: 'Traffic cost (spend.json)' },
  { k: 'profit', label: 'Profit', t: 'money', title: 'Approved revenue − spend (hold money is not counted)' },
  { k: 'roi', label: 'ROI %', t: 'pct', title: 'Profit / spend × 100' },
];
const FMT = { int: fmtInt, money: (v) => fmtMoney(v), pct: fmtPct };

function sortedRows(S, stats) {
  const rows = Object.entries(stats || {}).map(([key, r]) => ({ key, r: r || {} }));
  const chrono = S.item === 'date' || S.item === 'hour';
  const idNum = (x) => num(x.r.id != null && x.r.id !== false ? x.r.id : x.key);
  const byName = (a, b) => (chrono ? idNum(a) - idNum(b)
    : txt(a.r.name ?? a.r.id).localeCompare(txt(b.r.name ?? b.r.id), undefined, { numeric: true }));
  if (S.sort) {
    const { k, dir } = S.sort;
    rows.sort((a, b) => dir * (k === 'name' ? byName(a, b) : num(a.r[k]) - num(b.r[k])));
  } else if (chrono) {
    rows.sort((a, b) => idNum(a) - idNum(b)); // stable: server order kept for equal/non-numeric ids
  } else {
    rows.sort((a, b) => num(b.r.click) - num(a.r.click));
  }
  return rows;
}

function cell(col, src, attrs = {}) {
  const v = src ? src[col.k] : undefined;
  const has = v !== undefined && v !== null && v !== false;
  const neg = has && num(v) < 0;
  return el('td', { class: ['num', col.t === 'money' && 'money', neg && 'neg'], 'data-key': col.k, ...attrs }, has ? FMT[col.t](v) : '');
}

function goalRows(cols, goal, keyPrefix, goalNames) {
  return Object.entries(goal || {}).map(([gid, g]) => el('tr', { class: 'goal-row', 'data-goal': gid, 'data-parent': keyPrefix },
    el('td', { class: 'name', title: goalNames.has(gid) && goalNames.get(gid) !== gid ? 'goal ' + gid : null },
      el('span', { class: 'goal-mark' }, '↳ '), goalNames.get(gid) || gid),
    cols.map((c) => (c.k === 'click' || c.k === 'unique' ? el('td', { class: 'num' }) : cell(c, g || {})))));
}

function expander(S, key, goal, onToggle) {
  const n = Object.keys(goal || {}).length;
  if (!n) return el('span', { class: 'expander-space' });
  const open = S.expanded.has(key);
  return el('button', {
    type: 'button', class: 'expander', 'aria-expanded': String(open), title: (open ? 'Hide' : 'Show') + ' goals (' + n + ')',
    onclick: () => { if (open) S.expanded.delete(key); else S.expanded.add(key); onToggle(); },
  }, open ? '▾' : '▸');
}

/**
 * statsTable(S, data, {cols(), names, goalNames, next, onDrill}) → {node, draw}.
 * names.way: way id → "site · flow"; next: the item a click opens.
 */
export function statsTable(S, data, o) {
  const tbl = el('table', { id: 'stats-table', class: 'data stats sticky-first', 'data-item': S.item });
  const draw = () => {
    const cols = o.cols();
    const sortMark = (k) => (S.sort && S.sort.k === k ? (S.sort.dir > 0 ? ' ▲' : ' ▼') : '');
    const th = (k, label, title, cls) => el('th', {
      class: ['sortable', cls], 'data-key': k, title: title + ' — click to sort', scope: 'col',
      'aria-sort': S.sort && S.sort.k === k ? (S.sort.dir > 0 ? 'ascending' : 'descending') : 'none',
      onclick: () => {
        if (S.sort && S.sort.k === k) S.sort = { k, dir: -S.sort.dir };
        else S.sort = { k, dir: k === 'name' ? 1 : -1 };
        draw();
      },
    }, label + sortMark(k));
    const head = el('thead', {}, el('tr', {},
      th('name', itemLabel(S.item), 'name', 'name'),
      cols.map((c) => th(c.k, c.label, c.title, ['num', c.t === 'money' && 'money']))));

    const rows = sortedRows(S, data.stats);
    const body = el('tbody', {});
    const then = itemLabel(o.next);
    for (const { key, r } of rows) {
      const id = txt(r.id ?? key);
      let name = txt(r.name);
      if (S.item === 'way' && o.names.way.has(id)) name = o.names.way.get(id);
      const canDrill = S.item === 'date' || (DRILL[S.item] && id !== '');
      const label = name || id || '(empty)';
      const idNote = id !== '' && id !== label && S.item !== 'date' && S.item !== 'hour' ? 'id ' + id : '';
      body.appendChild(el('tr', { 'data-id': id },
        el('td', { class: 'name' }, expander(S, key, r.goal, draw),
          canDrill
            ? el('button', {
              type: 'button', class: 'link drill', title: (idNote ? label + ' (' + idNote + ') — ' : '') + 'open by ' + then,
              onclick: () => o.onDrill(r, label),
            }, label)
            : el('span', { class: name || id ? '' : 'muted', title: idNote || null }, label)),
        cols.map((c) => cell(c, r))));
      if (S.expanded.has(key)) goalRows(cols, r.goal, key, o.goalNames).forEach((g) => body.appendChild(g));
    }
    if (!rows.length) body.appendChild(el('tr', {}, el('td', { class: 'empty', colspan: cols.length + 1 }, 'No data for this period.')));

    const total = data.total || {};
    const foot = el('tfoot', {}, el('tr', { class: 'total-row', 'data-id': 'total' },
      el('th', { class: 'name', scope: 'row' }, expander(S, '\u0000total', total.goal, draw), 'Total'),
      cols.map((c) => {
        const v = total[c.k];
        return cell(c, total, { 'data-total': c.k, 'data-value': v == null || v === false ? '' : String(v) });
      })));
    if (S.expanded.has('\u0000total')) goalRows(cols, total.goal, 'total', o.goalNames).forEach((g) => foot.appendChild(g));
    tbl.replaceChildren(head, body, foot);
  };
  draw();
  return { node: el('div', { class: 'table-wrap' }, tbl), draw };
}
