// Statistics page (#stats): stats.json by any item, filters (collapsed,
// the active ones as chips), chart over time, totals, goals, a column
// chooser and a drill-down with a breadcrumb (js/stats-nav.js).
import {
  el, txt, num, api, refs, field, options, button, csvButton, showError,
  daysAgo, isoDate, parseDate, nowIn, setCurrency, baseCurrency,
} from './util.js';
import { lineChart } from './chart.js';
import { columnChooser } from './columns.js';
import { ITEMS, FILTER_DEFS, drill, back, crumbs, chips, nextItem } from './stats-nav.js';
import { COLS, statsTable } from './stats-table.js';

const S = {
  from: daysAgo(6), to: daysAgo(0), item: 'date', next: '', f: {},
  sort: null, // {k, dir: 1 | -1}
  expanded: new Set(),
  trail: [], // drill-down steps: {snap, label}
};

let seq = 0;
// id → name of flows, sites and ways (a way is "site · flow"), goals
const names = { flow: new Map(), site: new Map(), way: new Map() };
let goalNames = new Map();
let timezone = 'UTC';

function learn(r) {
  names.flow = new Map(r.flows.map((f) => [txt(f.flow), txt(f.name) || txt(f.flow)]));
  names.site = new Map(r.sites.map((s) => [txt(s.id), txt(s.name) || txt(s.id)]));
  names.way = new Map();
  for (const f of r.flows) {
    for (const w of Array.isArray(f.ways) ? f.ways : []) {
      const site = names.site.get(txt(w.site)) || 'URL';
      names.way.set(txt(w.way), site + ' · ' + (txt(f.name) || txt(f.flow)));
    }
  }
  goalNames = new Map(r.goals.map((g) => [String(g.goal), txt(g.name)]));
  timezone = txt(r.profile.timezone) || 'UTC';
  setCurrency(r.profile.currency);
}

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
  const next = el('select', { id: 'stats-next', name: 'next', title: 'What a click on a row opens' }, options(ITEMS, S.next || nextItem(S)));
  const filterFields = FILTER_DEFS.map(mk);

  const readForm = () => {
    S.from = from.value;
    S.to = to.value;
    if (S.item !== item.value) { S.sort = null; S.expanded.clear(); }
    S.item = item.value;
    for (const d of FILTER_DEFS) S.f[d.k] = inp[d.k].value;
    // (kept only when chosen: the default follows the item and its filters)
    S.next = next.value === nextItem(S) ? '' : next.value;
  };
  const rerender = () => { root.replaceChildren(); render(root); };
  item.addEventListener('change', () => { next.value = nextItem(S, item.value); });
  const quick = (label, a, b) => button(label, () => {
    from.value = a(); to.value = b();
    readForm(); rerender();
  }, { class: 'btn btn-small btn-ghost' });
  const firstOfMonth = (back_) => { const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - back_); return isoDate(d); };
  const lastOfPrevMonth = () => { const d = new Date(); d.setDate(0); return isoDate(d); };

  const active = FILTER_DEFS.filter((d) => (S.f[d.k] ?? '') !== '').length;
  // A chip's × drops its filter; the drill-down it came from no longer holds.
  const unfilter = (k) => { S.f[k] = ''; S.trail = []; rerender(); };
  const chipBox = el('div', { class: 'chip-box' }, chips(S, names, unfilter));
  const form = el('form', {
    id: 'stats-form', class: 'filters',
    onsubmit: (e) => { e.preventDefault(); readForm(); rerender(); },
  },
  el('div', { class: 'row' },
    field('From', from), field('To', to), field('Group by', item), field('Then by', next),
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
  chipBox,
  // Collapsed: the chips above say what is active.
  el('details', { class: 'more' },
    el('summary', {}, 'Filters' + (active ? ' (' + active + ' active)' : '')),
    el('div', { class: 'grid' }, filterFields),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', class: 'btn btn-small btn-primary' }, 'Apply'),
      button('Clear filters', () => { S.f = {}; S.trail = []; rerender(); }, { id: 'stats-clear', class: 'btn btn-small' }))));

  const dlFlows = el('datalist', { id: 'dl-stats-flows' });
  const dlSites = el('datalist', { id: 'dl-stats-sites' });
  const chartBox = el('div', { id: 'stats-chart-box', class: 'chart-box' });
  const note = el('p', { class: 'note', id: 'stats-note' }, 'Click a name to open it by the next item; ▸ shows the goals.');
  let table = null;
  const chooser = columnChooser('stats-cols', 'flowtrack.cols.stats', COLS, () => table && table.draw());
  const bar = el('div', { class: 'table-bar' },
    el('div', { class: 'bar-text' }, crumbs(S, (i) => { back(S, i); rerender(); }), note), chooser.node);
  const tableBox = el('div', { id: 'stats-table-box' });

  root.append(el('h1', {}, 'Statistics'), form, dlFlows, dlSites, chartBox, bar, tableBox);

  refs().then((r) => {
    learn(r);
    dlFlows.replaceChildren(...r.flows.map((f) => el('option', { value: txt(f.flow) }, txt(f.name))));
    dlSites.replaceChildren(...r.sites.map((s) => el('option', { value: txt(s.id) }, txt(s.name))));
    note.textContent = 'Money in ' + baseCurrency() + '. Click a name to open it by the next item; ▸ shows the goals.';
    chipBox.replaceChildren(chips(S, names, unfilter));
  });

  const onDrill = (r, label) => { if (drill(S, r, label)) rerender(); };
  load(tableBox, chartBox, (data) => {
    table = statsTable(S, data, { cols: chooser.visible, names, goalNames, next: S.next || nextItem(S), onDrill });
    return table.node;
  });
}

async function load(tableBox, chartBox, makeTable) {
  const my = ++seq;
  const q = query();
  tableBox.replaceChildren(el('p', { class: 'loading' }, 'Loading…'));
  try {
    // A single day is one point by date: chart it by hour instead.
    const chartItem = S.from === S.to ? 'hour' : 'date';
    const tasks = [api('stats', q), refs()];
    if (S.item !== chartItem) tasks.push(api('stats', { ...q, item: chartItem }));
    const [main, r, byTime] = await Promise.all(tasks);
    if (my !== seq) return;
    learn(r);
    const data = byTime || main;
    chartBox.replaceChildren(lineChart(chartItem === 'hour' ? hourModel(data) : dayModel(data)));
    tableBox.replaceChildren(makeTable(main));
  } catch (e) {
    if (my !== seq) return;
    tableBox.replaceChildren(el('p', { class: 'empty' }, 'No data.'));
    showError(e);
  }
}

const rowId = (r, k) => (r && r.id != null && r.id !== false ? r.id : k);

function dayModel(d) {
  const byKey = new Map();
  for (const [k, r] of Object.entries((d && d.stats) || {})) byKey.set(String(rowId(r, k)).replace(/-/g, ''), r || {});
  let days = [];
  const a = parseDate(S.from);
  const b = parseDate(S.to);
  const span = a && b ? Math.round((b - a) / 864e5) : -1;
  if (span >= 0 && span <= 1100) {
    for (let i = 0; i <= span; i++) days.push(isoDate(new Date(a.getFullYear(), a.getMonth(), a.getDate() + i)));
  } else {
    days = [...byKey.keys()].sort().map((k) => k.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3'));
  }
  // Days still to come are not zero: they are not drawn.
  const today = nowIn(timezone).date;
  const rows = days.map((day) => (day > today ? null : byKey.get(day.replace(/-/g, '')) || {}));
  return { labels: days, ticks: days.map((day) => day.slice(5)), series: series(rows), axes: AXES };
}

function hourModel(d) {
  const byHour = new Map();
  for (const [k, r] of Object.entries((d && d.stats) || {})) byHour.set(num(rowId(r, k)), r || {});
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0') + ':00');
  // Today's hours after this one have no clicks yet: not drawn as zero.
  const now = nowIn(timezone);
  const last = S.from === now.date ? now.hour : S.from > now.date ? -1 : 23;
  return {
    labels: hours.map((h) => S.from + ' ' + h),
    ticks: hours,
    series: series(hours.map((_, h) => (h > last ? null : byHour.get(h) || {}))),
    axes: AXES,
  };
}

const AXES = {
  count: { side: 'left', int: true },
  leads: { side: 'right', int: true },
  money: { side: 'right', money: true },
};

function series(rows) {
  const v = (k) => rows.map((r) => (r ? num(r[k]) : null));
  return [
    { name: 'Clicks', color: '#2563eb', values: v('click'), axis: 'count' },
    { name: 'Unique', color: '#0d9488', values: v('unique'), axis: 'count' },
    { name: 'Leads', color: '#ea580c', values: v('total'), axis: 'leads' },
    { name: 'Revenue', color: '#16a34a', values: v('mt'), axis: 'money' },
    { name: 'Spend', color: '#9333ea', values: v('spend'), axis: 'money' },
  ];
}
