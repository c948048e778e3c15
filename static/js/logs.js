// Leads (#leads) and click log (#clicks): filtered, paged lists with CSV
// download. Each row leads with what matters (time, flow, status, money),
// names stand for ids (ids in tooltips), a chooser picks the columns.
// `logPage` also draws the postback logs (js/postbacks.js).
import {
  el, txt, num, api, refs, field, options, button, csvButton, showError, pager, safeUrl,
  fmtMoney, fmtCost, fmtTime, daysAgo, codeName, codeOptions, setCurrency, FILTERS, OSES, BROWSERS, DEVICES,
} from './util.js';
import { columnChooser } from './columns.js';

const LIMIT = 100;
const CSV_LIMIT = 10000;

const STATUSES = [
  ['', 'any'], ['new', 'new'], ['hold', 'hold'], ['approve', 'approve'], ['cancel', 'cancel'], ['trash', 'trash'],
  ['valid', 'valid: all but trash'], ['wait', 'wait: new + hold'], ['good', 'good: hold + approve'], ['bad', 'bad: cancel + trash'],
];

export const trunc = (v, cls = 'trunc') => {
  const s = txt(v);
  return s ? el('span', { class: cls, title: s }, s) : '';
};
export const mono = (v) => el('span', { class: 'mono' }, txt(v));

function refLink(v) {
  const s = txt(v);
  const href = safeUrl(s);
  if (!href) return trunc(s);
  return el('a', { href, class: 'trunc', title: s, target: '_blank', rel: 'noopener noreferrer nofollow' }, s);
}

let flowNames = new Map();
let siteNames = new Map();
let goalNames = new Map();
function learn(r) {
  flowNames = new Map(r.flows.map((f) => [txt(f.flow), txt(f.name)]));
  siteNames = new Map(r.sites.map((s) => [txt(s.id), txt(s.name)]));
  goalNames = new Map(r.goals.map((g) => [txt(g.goal), txt(g.name)]));
  setCurrency(r.profile.currency);
}
// A flow by its name; its id (what links and the API use) in the tooltip.
const flowCell = (v) => {
  const id = txt(v);
  const name = flowNames.get(id);
  return name ? el('span', { title: 'flow ' + id }, name) : el('span', { class: 'mono', title: 'flow ' + id }, id);
};
// Where the visitor went: the site's name; way and site ids in the tooltip.
const siteCell = (r) => {
  const way = num(r.way);
  const site = txt(r.site);
  if (!way && !num(site)) return el('span', { class: 'muted' }, '—');
  const name = siteNames.get(site) || (num(site) ? 'site ' + site : 'URL');
  return el('span', { class: 'trunc', title: 'way ' + way + (num(site) ? ', site ' + site : '') }, name);
};

// Date and time; on a phone the date goes small above the time.
export function when(ts) {
  const [d, t] = fmtTime(ts).split(' ');
  return el('span', { class: 'when' }, el('span', { class: 'when-d' }, d || ''), ' ', el('span', { class: 'when-t' }, t || ''));
}

/** A filtered, paged log. cfg: prefix, fn, key (the answer's list), idKey,
 *  title, defaults, filters, cols (`get(row, reload)`), and optionally help,
 *  lists(refs, root) (datalists), top() (nodes under the title), prepare()
 *  (a promise awaited with each page of rows). */
export function logPage(cfg) {
  const S = { f: { ...cfg.defaults }, offset: 0 };
  let seq = 0;

  return function render(root) {
    const inp = {};
    const fields = cfg.filters.map((d) => {
      const id = cfg.prefix + '-f-' + d.k;
      const v = S.f[d.k] ?? '';
      if (d.opts) inp[d.k] = el('select', { id, name: d.k }, options(d.opts, v));
      else inp[d.k] = el('input', { id, name: d.k, type: d.type || 'text', value: v, list: d.list, placeholder: d.placeholder, autocomplete: 'off' });
      return field(d.label, inp[d.k]);
    });
    const read = () => { for (const d of cfg.filters) S.f[d.k] = inp[d.k].value.trim(); };
    const params = () => {
      const q = {};
      for (const d of cfg.filters) {
        const v = S.f[d.k] ?? '';
        if (v !== '') q[d.k] = d.k === 'geo' ? v.toLowerCase() : v;
      }
      return q;
    };

    const more = cfg.filters.slice(2).filter((d) => (S.f[d.k] ?? '') !== '').length;
    const tableBox = el('div', { id: cfg.prefix + '-box' });
    let redraw = () => {};
    const chooser = columnChooser(cfg.prefix + '-cols', 'flowtrack.cols.' + cfg.prefix, cfg.cols, () => redraw());
    const pg = pager(cfg.prefix, (dir) => {
      S.offset = Math.max(0, S.offset + dir * LIMIT);
      load();
    });

    const form = el('form', {
      id: cfg.prefix + '-form', class: 'filters',
      onsubmit: (e) => { e.preventDefault(); read(); S.offset = 0; load(); },
    },
    // On a phone all but the dates fold away so the list shows at once.
    window.matchMedia('(max-width: 600px)').matches
      ? [el('div', { class: 'grid' }, fields.slice(0, 2)),
        el('details', { class: 'more', open: more > 0 },
          el('summary', {}, 'More filters' + (more ? ' (' + more + ' active)' : '')),
          el('div', { class: 'grid' }, fields.slice(2)))]
      : el('div', { class: 'grid' }, fields),
    el('div', { class: 'actions' },
      el('button', { type: 'submit', id: cfg.prefix + '-go', class: 'btn btn-primary' }, 'Show'),
      button('Clear', () => {
        for (const d of cfg.filters) inp[d.k].value = '';
        read(); S.offset = 0; load();
      }, { id: cfg.prefix + '-clear', class: 'btn' }),
      csvButton(cfg.prefix + '-csv', () => {
        read();
        const q = params();
        const span = q.from || q.to ? '-' + (q.from || '') + '_' + (q.to || '') : '';
        return [cfg.fn, { ...q, limit: CSV_LIMIT }, cfg.prefix + span + '.csv'];
      })));

    root.append(el('h1', {}, cfg.title), cfg.top ? cfg.top() : null, form, el('div', { class: 'table-bar' }, pg.node, chooser.node), tableBox);
    if (cfg.help) root.append(el('p', { class: 'note' }, cfg.help));

    refs().then((r) => { if (cfg.lists) cfg.lists(r, root); });

    async function load() {
      const my = ++seq;
      tableBox.replaceChildren(el('p', { class: 'loading' }, 'Loading…'));
      try {
        const [data, r] = await Promise.all([api(cfg.fn, { ...params(), offset: S.offset, limit: LIMIT }), refs(),
          cfg.prepare ? cfg.prepare() : null]);
        if (my !== seq) return;
        learn(r);
        const rows = Array.isArray(data[cfg.key]) ? data[cfg.key] : [];
        pg.update(S.offset, rows.length, LIMIT);
        redraw = () => {
          const cols = chooser.visible();
          const head = el('thead', {}, el('tr', {}, cols.map((c) => el('th', { class: c.num ? 'num' : null, 'data-key': c.k, scope: 'col', title: c.title }, c.label))));
          const body = el('tbody', {}, rows.map((row) => el('tr', { 'data-id': txt(row[cfg.idKey]) },
            cols.map((c) => el('td', { class: [c.num ? 'num' : c.cls, c.money && 'money', c.money && num(row[c.k]) < 0 && 'neg'], 'data-key': c.k }, c.get ? c.get(row, load) : txt(row[c.k]))))));
          if (!rows.length) body.appendChild(el('tr', {}, el('td', { class: 'empty', colspan: cols.length }, 'Nothing found.')));
          tableBox.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { id: cfg.prefix + '-table', class: 'data sticky-first' }, head, body)));
        };
        redraw();
      } catch (e) {
        if (my !== seq) return;
        tableBox.replaceChildren(el('p', { class: 'empty' }, 'No data.'));
        pg.update(S.offset, 0, LIMIT);
        showError(e);
      }
    }
    load();
  };
}

export const renderLeads = logPage({
  prefix: 'leads', fn: 'leads', key: 'leads', idKey: 'id', title: 'Leads',
  defaults: { from: daysAgo(6), to: daysAgo(0) },
  filters: [
    { k: 'from', label: 'From', type: 'date' },
    { k: 'to', label: 'To', type: 'date' },
    { k: 'status', label: 'Status', opts: STATUSES },
    { k: 'flow', label: 'Flow', list: 'dl-leads-flows' },
    { k: 'goal', label: 'Goal', list: 'dl-leads-goals' },
    { k: 'geo', label: 'Country', placeholder: 'de' },
    { k: 'utm_source', label: 'UTM Source' },
    { k: 'subid', label: 'SubID' },
  ],
  lists: (r, root) => {
    root.append(
      el('datalist', { id: 'dl-leads-flows' }, r.flows.map((f) => el('option', { value: txt(f.flow) }, txt(f.name)))),
      el('datalist', { id: 'dl-leads-goals' }, r.goals.map((g) => el('option', { value: txt(g.goal) }, txt(g.name)))));
  },
  cols: [
    { k: 'time', label: 'Time', cls: 'nowrap', fixed: true, get: (r) => when(r.time) },
    { k: 'flow', label: 'Flow', cls: 'nowrap', get: (r) => flowCell(r.flow) },
    { k: 'status', label: 'Status', get: (r) => el('span', { class: 'badge st-' + txt(r.status).replace(/[^a-z]/g, '') }, txt(r.status)) },
    { k: 'price', label: 'Price', num: true, money: true, title: 'Payout in the currency the network sent', get: (r) => fmtMoney(r.price, txt(r.currency) || undefined) },
    { k: 'goal', label: 'Goal', get: (r) => el('span', { title: 'goal ' + txt(r.goal) }, goalNames.get(txt(r.goal)) || txt(r.goal)) },
    { k: 'site', label: 'Site', title: 'Where the visitor was sent (way and site ids in the tooltip)', get: siteCell },
    { k: 'geo', label: 'Geo' },
    { k: 'custom', label: 'Custom', title: 'Raw status text from the advertiser', get: (r) => trunc(r.custom) },
    { k: 'utm_source', label: 'UTM Source', get: (r) => trunc(r.utm_source) },
    { k: 'subid', label: 'SubID', get: (r) => trunc(r.subid) },
    { k: 'name', label: 'Name', get: (r) => trunc(r.name) },
    { k: 'phone', label: 'Phone', cls: 'nowrap', off: true },
    { k: 'email', label: 'Email', get: (r) => trunc(r.email), off: true },
    { k: 'click', label: 'Click', get: (r) => mono(r.click) },
    { k: 'uid', label: 'UID', title: 'The advertiser\'s lead id', get: (r) => trunc(r.uid), off: true },
    { k: 'ip', label: 'IP', get: (r) => mono(r.ip), off: true },
    { k: 'id', label: 'ID', num: true, off: true },
  ],
});

export const renderClicks = logPage({
  prefix: 'clicks', fn: 'clicks', key: 'clicks', idKey: 'click', title: 'Click log',
  defaults: {},
  help: 'Newest first. Without dates the log covers all time.',
  filters: [
    { k: 'from', label: 'From', type: 'date' },
    { k: 'to', label: 'To', type: 'date' },
    { k: 'flow', label: 'Flow', list: 'dl-clicks-flows' },
    { k: 'geo', label: 'Country', placeholder: 'de' },
    { k: 'filter', label: 'Filter', opts: codeOptions(FILTERS) },
    { k: 'unique', label: 'Unique', opts: [['', 'any'], ['1', 'unique'], ['0', 'repeated']] },
    { k: 'utm_source', label: 'UTM Source' },
    { k: 'subid', label: 'SubID' },
  ],
  lists: (r, root) => {
    root.append(el('datalist', { id: 'dl-clicks-flows' }, r.flows.map((f) => el('option', { value: txt(f.flow) }, txt(f.name)))));
  },
  cols: [
    { k: 'time', label: 'Time', cls: 'nowrap', fixed: true, get: (r) => when(r.time) },
    { k: 'flow', label: 'Flow', cls: 'nowrap', get: (r) => flowCell(r.flow) },
    { k: 'filter', label: 'Filter', title: 'Sent to a way (target) or stopped by a filter', get: (r) => el('span', { class: num(r.filter) ? 'badge st-bad' : 'badge st-ok', title: 'filter ' + txt(r.filter) }, codeName(FILTERS, r.filter)) },
    { k: 'cost', label: 'Cost', num: true, money: true, get: (r) => fmtCost(r.cost) },
    { k: 'site', label: 'Site', title: 'Where the visitor was sent (way and site ids in the tooltip)', get: siteCell },
    { k: 'geo', label: 'Geo' },
    { k: 'mobile', label: 'Device', get: (r) => codeName(DEVICES, r.mobile) },
    { k: 'os', label: 'OS', cls: 'nowrap', get: (r) => codeName(OSES, r.os) },
    { k: 'browser', label: 'Browser', cls: 'nowrap', get: (r) => codeName(BROWSERS, r.browser) },
    { k: 'unique', label: 'Unique', get: (r) => (r.unique === true || r.unique === 1 || r.unique === '1' ? 'yes' : 'no') },
    { k: 'utm_source', label: 'UTM Source', get: (r) => trunc(r.utm_source) },
    { k: 'subid', label: 'SubID', get: (r) => trunc(r.subid) },
    { k: 'referer', label: 'Referer', get: (r) => refLink(r.referer) },
    { k: 'ua', label: 'User-Agent', get: (r) => trunc(r.ua) },
    { k: 'ip', label: 'IP', get: (r) => mono(r.ip) },
    { k: 'click', label: 'Click', get: (r) => mono(r.click) },
    { k: 'adid', label: 'Ad click id', get: (r) => trunc(r.adid, 'trunc short'), off: true },
  ],
});
