// How the statistics page moves: its items and filters, the active
// filters as removable chips, and the drill-down. Clicking a row adds its
// value as a filter and groups by the next item (source → campaign →
// country …); each step is kept in a breadcrumb that leads back.
import { el, txt, button, codeOptions, FILTERS, OSES, BROWSERS, DEVICES } from './util.js';

export const ITEMS = [
  ['date', 'Date'], ['hour', 'Hour'], ['flow', 'Flow'], ['way', 'Way'], ['site', 'Site'],
  ['filter', 'Filter result'], ['geo', 'Country'], ['mobile', 'Device type'], ['os', 'OS'],
  ['browser', 'Browser'], ['ip', 'IP'], ['utmd', 'Domain'], ['subid', 'SubID'], ['utms', 'UTM Source'],
  ['utmc', 'UTM Campaign'], ['utmn', 'UTM Content'], ['utmt', 'UTM Term'], ['utmm', 'UTM Medium'],
  ['source', 'Traffic source'],
];
export const itemLabel = (item) => (ITEMS.find(([v]) => v === item) || [item, item])[1];

const hourName = (h) => String(h).padStart(2, '0') + ':00';
const HOURS = [['', 'any'], ...Array.from({ length: 24 }, (_, h) => [String(h), hourName(h)])];

// `names`: code → name for a chip (select filters show names, not codes)
export const FILTER_DEFS = [
  { k: 'flow', label: 'Flow', list: 'dl-stats-flows' },
  { k: 'way', label: 'Way', placeholder: 'id', inputmode: 'numeric' },
  { k: 'site', label: 'Site', list: 'dl-stats-sites', inputmode: 'numeric' },
  { k: 'geo', label: 'Country', placeholder: 'de' },
  { k: 'filter', label: 'Filter', opts: codeOptions(FILTERS), names: FILTERS },
  { k: 'mobile', label: 'Device', opts: codeOptions(DEVICES), names: DEVICES },
  { k: 'os', label: 'OS', opts: codeOptions(OSES), names: OSES },
  { k: 'browser', label: 'Browser', opts: codeOptions(BROWSERS), names: BROWSERS },
  { k: 'hour', label: 'Hour', opts: HOURS },
  { k: 'utm_source', label: 'UTM Source' },
  { k: 'utm_campaign', label: 'UTM Campaign' },
  { k: 'utm_content', label: 'UTM Content' },
  { k: 'utm_term', label: 'UTM Term' },
  { k: 'utm_medium', label: 'UTM Medium' },
  { k: 'subid', label: 'SubID' },
  { k: 'domain', label: 'Domain' },
  { k: 'ip', label: 'IP' },
  { k: 'source', label: 'Traffic source', placeholder: 'id', inputmode: 'numeric' },
];

// item → the filter that selects one of its groups
export const DRILL = {
  flow: 'flow', way: 'way', site: 'site', filter: 'filter', geo: 'geo', mobile: 'mobile', os: 'os',
  browser: 'browser', hour: 'hour', ip: 'ip', utmd: 'domain', subid: 'subid', utms: 'utm_source',
  utmc: 'utm_campaign', utmn: 'utm_content', utmt: 'utm_term', utmm: 'utm_medium',
  source: 'source',
};

// item → what a click on one of its rows groups by next (when not chosen)
const NEXT = {
  date: 'hour', hour: 'flow', flow: 'way', way: 'geo', site: 'geo', filter: 'geo', geo: 'os', mobile: 'os',
  os: 'browser', browser: 'utms', ip: 'date', utmd: 'flow', subid: 'date', utms: 'utmc', utmc: 'geo',
  utmn: 'geo', utmt: 'geo', utmm: 'utms',
  source: 'flow',
};

const taken = (S, item) => (item === 'date' ? S.from === S.to : (S.f[DRILL[item]] ?? '') !== '');

/** The default next item: the first in the chain not yet filtered. */
export function nextItem(S, item = S.item) {
  let it = NEXT[item] || 'date';
  for (let i = 0; i < ITEMS.length && (it === item || taken(S, it)); i++) it = NEXT[it] || 'date';
  return it === item || taken(S, it) ? 'date' : it;
}

const snapshot = (S) => ({ from: S.from, to: S.to, item: S.item, next: S.next, f: { ...S.f } });

/** Opens row `r` (its id, its shown label): a filter (or the day), then the next item. */
export function drill(S, r, label) {
  const id = txt(r.id);
  const snap = snapshot(S);
  const then = S.next || nextItem(S);
  if (S.item === 'date') {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(txt(r.name)) || /^(\d{4})(\d{2})(\d{2})$/.exec(id);
    if (!m) return false;
    S.from = S.to = m[1] + '-' + m[2] + '-' + m[3];
  } else {
    const k = DRILL[S.item];
    if (!k || id === '') return false;
    S.f[k] = id;
  }
  S.trail.push({ snap, label: itemLabel(S.item) + ': ' + label });
  S.item = then === S.item ? nextItem(S) : then;
  S.next = '';
  S.sort = null;
  S.expanded.clear();
  return true;
}

/** Back to breadcrumb step `i` (0: where the drill-down started). */
export function back(S, i) {
  const step = S.trail[i];
  if (!step) return;
  Object.assign(S, { ...step.snap, f: { ...step.snap.f } });
  S.trail.length = i;
  S.sort = null;
  S.expanded.clear();
}

export function crumbs(S, go) {
  if (!S.trail.length) return el('nav', { id: 'stats-crumbs', class: 'crumbs', hidden: true });
  const parts = [button('All', () => go(0), { class: 'link crumb', title: 'Back to ' + itemLabel(S.trail[0].snap.item) })];
  S.trail.forEach((step, i) => {
    parts.push(el('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '›'));
    const last = i === S.trail.length - 1;
    parts.push(last
      ? el('span', { class: 'crumb current', 'aria-current': 'step' }, step.label)
      : button(step.label, () => go(i + 1), { class: 'link crumb', title: 'Back to this step' }));
  });
  parts.push(el('span', { class: 'muted crumb-by' }, ' · by ' + itemLabel(S.item)));
  return el('nav', { id: 'stats-crumbs', class: 'crumbs', 'aria-label': 'Drill-down' }, parts);
}

let regions = null;
function country(code) {
  try {
    regions = regions || new Intl.DisplayNames(undefined, { type: 'region' });
    const n = regions.of(code.toUpperCase());
    return n && n !== code.toUpperCase() ? n : code;
  } catch { return code; }
}

/** A filter value as a person reads it: names from `names` (flows, sites, ways), code tables, countries. */
export function valueName(k, v, names) {
  const d = FILTER_DEFS.find((x) => x.k === k);
  if (k === 'flow' || k === 'site' || k === 'way') return (names && names[k] && names[k].get(String(v))) || v;
  if (k === 'geo' && /^[a-z]{2}$/i.test(v)) return country(v);
  if (k === 'hour' && /^\d+$/.test(v)) return hourName(v);
  if (d && d.names && /^\d+$/.test(v)) return d.names[Number(v)] ?? v;
  return v;
}

/** The active filters as chips; each × removes its filter. */
export function chips(S, names, remove) {
  const active = FILTER_DEFS.filter((d) => (S.f[d.k] ?? '').trim() !== '');
  return el('div', { id: 'stats-chips', class: 'chips', hidden: !active.length },
    active.map((d) => {
      const v = S.f[d.k].trim();
      const shown = valueName(d.k, v, names);
      return el('span', { class: 'chip', 'data-key': d.k, title: shown !== v ? d.label + ' ' + v : null },
        el('span', { class: 'chip-label' }, d.label + ':'), el('span', { class: 'chip-value' }, shown),
        el('button', { type: 'button', class: 'chip-x', 'aria-label': 'Remove filter ' + d.label, title: 'Remove', onclick: () => remove(d.k) }, '×'));
    }));
}
