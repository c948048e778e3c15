// Statistics page (#stats): stats.json by any item, filters, chart over time, totals, goals breakdown.
import {
  el, txt, num, api, refs, field, options, button, csvButton, showError,
  fmtInt, fmtMoney, fmtPct, daysAgo, isoDate, parseDate,
  FILTERS, OSES, BROWSERS, DEVICES, codeOptions,
} from './util.js';
import { lineChart } from './chart.js';

export const ITEMS = [
  ['date', 'Date'], ['hour', 'Hour'], ['flow', 'Flow'], ['way', 'Way'], ['site', 'Site'],
  ['filter', 'Filter result'], ['geo', 'Country'], ['mobile', 'Device type'], ['os', 'OS'],
  ['browser', 'Browser'], ['ip', 'IP'], ['utmd', 'Domain'], ['subid', 'SubID'], ['utms', 'UTM Source'],
  ['utmc', 'UTM Campaign'], ['utmn', 'UTM Content'], ['utmt', 'UTM Term'], ['utmm', 'UTM Medium'],
];

const HOURS = [['', 'any'], ...Array.from({ length: 24 }, (_, h) => [String(h), String(h).padStart(2, '0') + ':00'])];

const FILTER_DEFS = [
  { k: 'flow', label: 'Flow', list: 'dl-stats-flows' },
  { k: 'way', label: 'Way', placeholder: 'id', inputmode: 'numeric' },
  { k: 'site', label: 'Site', list: 'dl-stats-sites', inputmode: 'numeric' },
  { k: 'geo', label: 'Country', placeholder: 'de' },
  { k: 'filter', label: 'Filter', opts: codeOptions(FILTERS) },
  { k: 'mobile', label: 'Device', opts: codeOptions(DEVICES) },
  { k: 'os', label: 'OS', opts: codeOptions(OSES) },
  { k: 'browser', label: 'Browser', opts: codeOptions(BROWSERS) },
  { k: 'hour', label: 'Hour', opts: HOURS },
  { k: 'utm_source', label: 'UTM Source' },
  { k: 'utm_campaign', label: 'UTM Campaign' },
  { k: 'utm_content', label: 'UTM Content' },
  { k: 'utm_term', label: 'UTM Term' },
  { k: 'utm_medium', label: 'UTM Medium' },
  { k: 'subid', label: 'SubID' },
  { k: 'domain', label: 'Domain' },
  { k: 'ip', label: 'IP' },
];

// item → the filter that selects one of its groups (for "click a name to filter")
const DRILL = {
  flow: 'flow', way: 'way', site: 'site', filter: 'filter', geo: 'geo', mobile: 'mobile', os: 'os',
  browser: 'browser', hour: 'hour', ip: 'ip', utmd: 'domain', subid: 'subid', utms: 'utm_source',
  utmc: 'utm_campaign', utmn: 'utm_content', utmt: 'utm_term', utmm: 'utm_medium',
};

export const COLS = [
  { k: 'click', label: 'Clicks', t: 'int', title: 'All clicks' },
  { k: 'unique', label: 'Unique', t: 'int', title: 'Unique clicks' },
  { k: 'total', label: 'Leads', t: 'int', title: 'All leads' },
  { k: 'cv', label: 'Valid', t: 'int', title: 'Valid leads (all but trash)' },
  { k: 'cn', label: 'New', t: 'int', title: 'New leads' },
  { k: 'ch', label: 'Hold', t: 'int', title: 'Leads on hold' },
  { k: 'ca', label: 'Appr.', t: 'int', title: 'Approved leads' },
  { k: 'cc', label: 'Canc.', t: 'int', title: 'Cancelled leads' },
  { k: 'ct', label: 'Trash', t: 'int', title: 'Trash leads' },
  { k: 'mh', label: 'Hold sum', t: 'money', title: 'Earnings on hold' },
  { k: 'ma', label: 'Appr. sum', t: 'money', title: 'Approved earnings' },
  { k: 'mt', label: 'Revenue', t: 'money', title: 'Total earnings: hold + approved' },
  { k: 'cr', label: 'CR %', t: 'pct', title: 'Conversion: valid leads / unique clicks × 100' },
  { k: 'epc', label: 'EPC', t: 'money', title: 'Approved earnings / unique clicks' },
  { k: 'appr', label: 'Appr. %', t: 'pct', title: 'Approved / valid leads × 100' },
  { k: 'app', label: 'App. %', t: 'pct', title: 'Approved / all leads × 100' },
  { k: 'spend', label: 'Spend', t: 'money', title: 'Traffic cost (spend.json)' },
  { k: 'profit', label: 'Profit', t: 'money', title: 'Approved revenue − spend (hold money is not counted)' },
  { k: 'roi', label: 'ROI %', t: 'pct', title: 'Profit / spend × 100' },
];
const FMT = { int: fmtInt, money: fmtMoney, pct: fmtPct };

const S = {
  from: daysAgo(6), to: daysAgo(0), item: 'date', f: {},
  sort: null, // {k, dir: 1 | -1}
  expanded: new Set(),
};

let seq = 0;

function query() {
  const q = { from: S.from, to: S.to, item: S.item };
  for (const d of FILTER_DEFS) {
    const v = (S.f[d.k] ?? '').trim();
    if (v !== '') q[d.k] = d.k === 'geo' ? v.toLowerCase() : v;
  }
  return q;
}

export function render(root) {
  const inp = {};
  const mk = (d) => {
    const id = 'stats-f-' + d.k;
    const v = S.f[d.k] ?? '';
    inp[d.k] = d.opts
      ? el('select', { id, name: d.k }, options(d.opts, v))
      : el('input', { id, name: d.k, type: 'text', value: v, list: d.list, placeholder: d.placeholder, inputmode: d.inputmode, autocomplete: 'off' });
    return field(d.label, inp[d.k]);
  };
  const from = el('input', { id: 'stats-from', type: 'date', value: S.from, required: true });
  const to = el('input', { id: 'stats-to', type: 'date', value: S.to, required: true });
  const item = el('select', { id: 'stats-item', name: 'item' }, options(ITEMS, S.item));
  const filterFields = FILTER_DEFS.map(mk);

  const readForm = () => {
    S.from = from.value;
    S.to = to.value;
    if (S.item !== item.value) { S.sort = null; S.expanded.clear(); }
    S.item = item.value;
    for (const d of FILTER_DEFS) S.f[d.k] = inp[d.k].value;
  };
  const rerender = () => { root.replaceChildren(); render(root); };
  const quick = (label, a, b) => button(label, () => {
    from.value = a(); to.value = b();
    readForm(); rerender();
  }, { class: 'btn btn-small btn-ghost' });
  const firstOfMonth = (back) => { const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - back); return isoDate(d); };
  const lastOfPrevMonth = () => { const d = new Date(); d.setDate(0); return isoDate(d); };

  const active = FILTER_DEFS.filter((d) => (S.f[d.k] ?? '') !== '').length;
  const form = el('form', {
    id: 'stats-form', class: 'filters',
    onsubmit: (e) => { e.preventDefault(); readForm(); rerender(); },
  },
  el('div', { class: 'row' },
    field('From', from), field('To', to), field('Group by', item),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', id: 'stats-go', class: 'btn btn-primary' }, 'Show'),
      csvButton('stats-csv', () => { readForm(); return ['stats', query(), `stats-${S.item}-${S.from}_${S.to}.csv`]; }))),
  el('div', { class: 'row quick' },
    quick('Today', () => daysAgo(0), () => daysAgo(0)),
    quick('Yesterday', () => daysAgo(1), () => daysAgo(1)),
    quick('7 days', () => daysAgo(6), () => daysAgo(0)),
    quick('30 days', () => daysAgo(29), () => daysAgo(0)),
    quick('This month', () => firstOfMonth(0), () => daysAgo(0)),
    quick('Last month', () => firstOfMonth(1), lastOfPrevMonth)),
  el('details', { class: 'more', open: active > 0 || !window.matchMedia('(max-width: 600px)').matches },
    el('summary', {}, 'Filters' + (active ? ' (' + active + ' active)' : '')),
    el('div', { class: 'grid' }, filterFields),
    el('div', { class: 'actions' },
      button('Clear filters', () => { S.f = {}; rerender(); }, { id: 'stats-clear', class: 'btn btn-small' }))));

  const dlFlows = el('datalist', { id: 'dl-stats-flows' });
  const dlSites = el('datalist', { id: 'dl-stats-sites' });
  const chartBox = el('div', { id: 'stats-chart-box', class: 'chart-box' });
  const note = el('p', { class: 'note', id: 'stats-note' }, 'Click a name to filter by it; ▸ shows the goals.');
  const tableBox = el('div', { id: 'stats-table-box' });

  root.append(el('h1', {}, 'Statistics'), form, dlFlows, dlSites, chartBox, note, tableBox);

  refs().then((r) => {
    dlFlows.replaceChildren(...r.flows.map((f) => el('option', { value: txt(f.flow) }, txt(f.name))));
    dlSites.replaceChildren(...r.sites.map((s) => el('option', { value: txt(s.id) }, txt(s.name))));
    const cur = txt(r.profile.currency) || 'usd';
    note.textContent = 'Money in ' + cur.toUpperCase() + '. Click a name to filter by it; ▸ shows the goals.';
    goalNames = new Map(r.goals.map((g) => [String(g.goal), txt(g.name)]));
  });

  load(tableBox, chartBox, rerender);
}

let goalNames = new Map();

async function load(tableBox, chartBox, rerender) {
  const my = ++seq;
  const q = query();
  tableBox.replaceChildren(el('p', { class: 'loading' }, 'Loading…'));
  try {
    // A single day is one point by date: chart it by hour instead.
    const chartItem = S.from === S.to ? 'hour' : 'date';
    const tasks = [api('stats', q)];
    if (S.item !== chartItem) tasks.push(api('stats', { ...q, item: chartItem }));
    const [main, byTime] = await Promise.all(tasks);
    if (my !== seq) return;
    chartBox.replaceChildren(lineChart(chartItem === 'hour' ? hourModel(byTime || main) : chartModel(byTime || main)));
    tableBox.replaceChildren(statsTable(main, rerender));
  } catch (e) {
    if (my !== seq) return;
    tableBox.replaceChildren(el('p', { class: 'empty' }, 'No data.'));
    showError(e);
  }
}

function chartModel(d) {
  const byKey = new Map();
  for (const [k, r] of Object.entries((d && d.stats) || {})) {
    byKey.set(String(r && r.id != null && r.id !== false ? r.id : k).replace(/-/g, ''), r || {});
  }
  let days = [];
  const a = parseDate(S.from);
  const b = parseDate(S.to);
  const span = a && b ? Math.round((b - a) / 864e5) : -1;
  if (span >= 0 && span <= 1100) {
    for (let i = 0; i <= span; i++) days.push(isoDate(new Date(a.getFullYear(), a.getMonth(), a.getDate() + i)));
  } else {
    days = [...byKey.keys()].sort().map((k) => k.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3'));
  }
  const rows = days.map((day) => byKey.get(day.replace(/-/g, '')) || {});
  return { labels: days, ticks: days.map((day) => day.slice(5)), series: chartSeries(rows) };
}

function hourModel(d) {
  const byHour = new Map();
  for (const [k, r] of Object.entries((d && d.stats) || {})) {
    byHour.set(num(r && r.id != null && r.id !== false ? r.id : k), r || {});
  }
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0') + ':00');
  return {
    labels: hours.map((h) => S.from + ' ' + h),
    ticks: hours,
    series: chartSeries(hours.map((_, h) => byHour.get(h) || {})),
  };
}

function chartSeries(rows) {
  return [
    { name: 'Clicks', color: '#2563eb', values: rows.map((r) => num(r.click)) },
    { name: 'Unique', color: '#0d9488', values: rows.map((r) => num(r.unique)) },
    { name: 'Leads', color: '#ea580c', values: rows.map((r) => num(r.total)) },
    { name: 'Revenue', color: '#16a34a', values: rows.map((r) => num(r.mt)), right: true, money: true },
  ];
}

function sortedRows(stats) {
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
  return el('td', { class: ['num', neg && 'neg'], 'data-key': col.k, ...attrs }, has ? FMT[col.t](v) : '');
}

function goalRows(goal, keyPrefix) {
  return Object.entries(goal || {}).map(([gid, g]) => el('tr', { class: 'goal-row', 'data-goal': gid, 'data-parent': keyPrefix },
    el('td', { class: 'name' }, el('span', { class: 'goal-mark' }, '↳ '), goalNames.get(gid) || gid,
      goalNames.has(gid) && goalNames.get(gid) !== gid ? el('span', { class: 'muted' }, ' ' + gid) : null),
    COLS.map((c) => (c.k === 'click' || c.k === 'unique' ? el('td', { class: 'num' }) : cell(c, g || {})))));
}

function expander(key, goal, onToggle) {
  const n = Object.keys(goal || {}).length;
  if (!n) return el('span', { class: 'expander-space' });
  const open = S.expanded.has(key);
  return el('button', {
    type: 'button', class: 'expander', 'aria-expanded': String(open), title: (open ? 'Hide' : 'Show') + ' goals (' + n + ')',
    onclick: () => { if (open) S.expanded.delete(key); else S.expanded.add(key); onToggle(); },
  }, open ? '▾' : '▸');
}

function drill(r, rerender) {
  if (S.item === 'date') {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(txt(r.name)) || /^(\d{4})(\d{2})(\d{2})$/.exec(txt(r.id));
    if (!m) return;
    S.from = S.to = m[1] + '-' + m[2] + '-' + m[3];
    S.item = 'hour';
  } else {
    const k = DRILL[S.item];
    const id = txt(r.id);
    if (!k || id === '') return;
    S.f[k] = id;
    S.item = 'date';
  }
  S.sort = null;
  S.expanded.clear();
  rerender();
}

function statsTable(data, rerender) {
  const tbl = el('table', { id: 'stats-table', class: 'data stats', 'data-item': S.item });
  const draw = () => {
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
      th('name', ITEMS.find(([v]) => v === S.item)?.[1] || 'id / name', 'id / name', 'name'),
      COLS.map((c) => th(c.k, c.label, c.title, 'num'))));

    const rows = sortedRows(data.stats);
    const body = el('tbody', {});
    for (const { key, r } of rows) {
      const name = txt(r.name);
      const id = txt(r.id ?? key);
      const canDrill = S.item === 'date' || (DRILL[S.item] && id !== '');
      const label = name || id || '(empty)';
      body.appendChild(el('tr', { 'data-id': id },
        el('td', { class: 'name' }, expander(key, r.goal, draw),
          canDrill
            ? el('button', { type: 'button', class: 'link drill', title: 'Filter by this', onclick: () => drill(r, rerender) }, label)
            : el('span', { class: name || id ? '' : 'muted' }, label),
          id !== '' && id !== name && S.item !== 'date' && S.item !== 'hour' ? el('span', { class: 'muted id' }, ' ' + id) : null),
        COLS.map((c) => cell(c, r))));
      if (S.expanded.has(key)) goalRows(r.goal, key).forEach((g) => body.appendChild(g));
    }
    if (!rows.length) body.appendChild(el('tr', {}, el('td', { class: 'empty', colspan: COLS.length + 1 }, 'No data for this period.')));

    const total = data.total || {};
    const foot = el('tfoot', {}, el('tr', { class: 'total-row', 'data-id': 'total' },
      el('th', { class: 'name', scope: 'row' }, expander('\u0000total', total.goal, draw), 'Total'),
      COLS.map((c) => {
        const v = total[c.k];
        return cell(c, total, { 'data-total': c.k, 'data-value': v == null || v === false ? '' : String(v) });
      })));
    if (S.expanded.has('\u0000total')) goalRows(total.goal, 'total').forEach((g) => foot.appendChild(g));
    tbl.replaceChildren(head, body, foot);
  };
  draw();
  return el('div', { class: 'table-wrap' }, tbl);
}
