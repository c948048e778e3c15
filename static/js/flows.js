// Flows (#flows): list with ways and tracking links, create / edit form (flow.json, JSON body), archive.
import {
  el, txt, num, api, refs, invalidateRefs, field, options, button, showError, showMsg,
  toList, isOn, copyButton, confirmAsk,
} from './util.js';
import { loadSources, sourceSelect, sourceName } from './sources.js';
import { offersEditor, readOffers, offersText } from './offers.js';

const METHODS = [['redirect', 'redirect (302)'], ['meta', 'meta refresh (hides referrer)'], ['js', 'JavaScript']];
const DEVICE_OPTS = [['any', 'any'], ['desktop', 'desktop'], ['mobile', 'mobile'], ['ios', 'iOS'], ['android', 'Android']];

const trackingLink = (flow) => location.origin + '/' + flow;
const geoList = (s) => toList(s).map((g) => g.toLowerCase());

// trafficback / way target: a site id (number or digits) or a URL
function target(siteVal, urlVal) {
  const s = siteVal;
  if (typeof s === 'number' && s > 0) return { site: s };
  if (typeof s === 'string' && /^\d+$/.test(s) && +s > 0) return { site: +s };
  const u = txt(urlVal);
  if (u) return { url: u };
  return {};
}
function trafficback(v) {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return target(v, '');
  return target(null, v);
}

// A site by its name; its id only in a tooltip (or when it has no name here).
function siteLabel(sites, id) {
  const s = sites.find((x) => num(x.id) === num(id));
  return s && txt(s.name) ? txt(s.name) : 'site #' + id;
}

export function renderFlows(root) {
  const listBox = el('div', { id: 'flows-list' });
  const editorBox = el('div', { id: 'flow-editor-box' });
  let sites = [];
  let sources = [];

  const load = async () => {
    try {
      const [data, r, src] = await Promise.all([api('flows'), refs(), loadSources()]);
      sites = r.sites;
      sources = src.sources;
      const flows = Array.isArray(data.flows) ? data.flows : [];
      listBox.replaceChildren(...(flows.length ? flows.map((f) => flowCard(f)) : [el('p', { class: 'empty' }, 'No flows yet.')]));
    } catch (e) {
      listBox.replaceChildren(el('p', { class: 'empty' }, 'No data.'));
      showError(e);
    }
  };

  const openEditor = async (flow) => {
    try { sites = (await refs()).sites; } catch { /* use what we have */ }
    editorBox.replaceChildren(editor(flow, sites, {
      sources,
      done: () => { editorBox.replaceChildren(); invalidateRefs(); load(); },
      cancel: () => editorBox.replaceChildren(),
    }));
    editorBox.scrollIntoView({ block: 'start', behavior: 'smooth' });
    document.getElementById('flow-name')?.focus();
  };

  function flowCard(f) {
    const id = txt(f.flow);
    // flows.json's link carries the source's macros (docs/API.md flows.json).
    const link = txt(f.link) || trackingLink(id);
    const tb = trafficback(f.trafficback);
    const ways = Array.isArray(f.ways) ? f.ways : [];
    const weightSum = ways.filter((w) => w.active == null || isOn(w.active)).reduce((a, w) => a + Math.max(0, num(w.weight)), 0);
    const geo = toList(f.geo);
    const tags = [
      txt(f.method) || 'redirect',
      geo.length ? 'geo: ' + geo.join(', ') : 'all countries',
      isOn(f.lang) ? 'language filter' : null,
      f.bots == null || isOn(f.bots) ? 'blocks bots' : 'bots allowed',
      'unique ' + (f.unique == null || f.unique === false ? 24 : num(f.unique)) + ' h',
      'trafficback: ' + (tb.site ? siteLabel(sites, tb.site) : tb.url || 'none (404)'),
      f.source ? 'source: ' + sourceName(sources, f.source) : null,
    ].filter(Boolean);

    const wayRows = ways.map((w) => {
      const t = target(w.site, w.url);
      const on = w.active == null || isOn(w.active);
      const share = on && weightSum ? Math.round((Math.max(0, num(w.weight)) / weightSum) * 100) + '%' : '';
      return el('tr', { class: on ? null : 'paused', 'data-way': txt(w.way) },
        el('td', { class: 'num' }, txt(w.way)),
        el('td', { class: 'nowrap' }, t.site ? el('span', { title: 'site ' + t.site }, siteLabel(sites, t.site)) : el('span', { class: 'trunc', title: txt(t.url) }, txt(t.url)),
          offersText(w, sites, siteLabel)),
        el('td', { class: 'num' }, txt(w.weight), share ? el('span', { class: 'muted' }, ' ' + share) : null),
        el('td', {}, toList(w.geo).join(', ') || 'all'),
        el('td', {}, toList(w.geox).join(', ')),
        el('td', {}, txt(w.device) || 'any'),
        el('td', {}, isOn(w.bots) ? 'refused' : ''),
        el('td', {}, on ? 'active' : el('span', { class: 'badge st-bad' }, 'paused')));
    });

    return el('article', { class: 'card flow', 'data-flow': id },
      el('header', { class: 'card-head' },
        el('h2', {}, txt(f.name) || id, el('span', { class: 'muted mono' }, ' ' + id)),
        el('div', { class: 'actions' },
          button('Edit', () => openEditor(f), { class: 'btn btn-small', 'data-action': 'edit' }),
          button('Archive', async () => {
            if (!confirmAsk('Archive flow "' + id + '"? Its link stops working; clicks and leads stay in statistics.')) return;
            try {
              await api('flow-delete', { flow: id }, { post: true });
              showMsg('Flow ' + id + ' archived');
              invalidateRefs();
              load();
            } catch (e) { showError(e); }
          }, { class: 'btn btn-small btn-danger', 'data-action': 'archive' }))),
      el('p', { class: 'tags' }, tags.map((t) => el('span', { class: 'tag' }, t))),
      el('p', { class: 'link-row' }, el('span', { class: 'muted' }, 'Tracking link: '),
        el('a', { href: link, class: 'mono tracking-link', target: '_blank', rel: 'noopener noreferrer' }, link), ' ',
        copyButton(null, () => link, 'Tracking link')),
      ways.length
        ? el('div', { class: 'table-wrap' }, el('table', { class: 'data ways' },
          el('thead', {}, el('tr', {}, ['Way', 'Target', 'Weight', 'Countries', 'Excluded', 'Device', 'Bots', 'State']
            .map((h, i) => el('th', { class: i === 0 || i === 2 ? 'num' : null }, h)))),
          el('tbody', {}, wayRows)))
        : el('p', { class: 'empty' }, 'No ways: every visit goes to the trafficback.'));
  }

  root.append(
    el('div', { class: 'page-head' }, el('h1', {}, 'Flows'),
      button('New flow', () => openEditor(null), { id: 'flow-new', class: 'btn btn-primary' })),
    el('p', { class: 'note' }, 'A flow is a traffic entry point: send visitors to its tracking link; add any tags to it, e.g. ',
      el('code', {}, '?utm_source=fb&subid={your_macro}'), '.'),
    editorBox, listBox);
  load();
}

function targetSelect(sites, cur, cls, id) {
  const opts = [['', '— none —'], ...sites.map((s) => ['s:' + s.id, txt(s.name) + ' #' + s.id])];
  if (cur.site && !sites.some((s) => num(s.id) === cur.site)) opts.push(['s:' + cur.site, 'site #' + cur.site + ' (archived)']);
  opts.push(['u:', 'URL…']);
  const value = cur.site ? 's:' + cur.site : cur.url ? 'u:' : '';
  return el('select', { class: cls, id }, options(opts, value));
}

function wayRow(w, sites, tbody) {
  const cur = w ? target(w.site, w.url) : (sites[0] ? { site: num(sites[0].id) } : {});
  const sel = targetSelect(sites, cur, 'way-target');
  sel.querySelector('option[value=""]')?.remove(); // a way always needs a target
  if (!sel.value) sel.value = 'u:';
  const url = el('input', { class: 'way-url', type: 'url', placeholder: 'https://offer.example/?click={click}', value: cur.url || '' });
  const sync = () => { url.hidden = sel.value !== 'u:'; };
  sel.addEventListener('change', sync);
  sync();
  const on = !w || w.active == null || isOn(w.active);
  const tr = el('tr', { class: 'way-row', 'data-way': w && w.way != null && w.way !== false ? txt(w.way) : '' },
    el('td', { class: 'num muted' }, w && w.way ? txt(w.way) : 'new'),
    el('td', { class: 'target' }, sel, url, offersEditor(w, sites, sel)),
    el('td', {}, el('input', { class: 'way-weight', type: 'number', min: 0, step: 1, value: w && w.weight != null ? num(w.weight) : 1 })),
    el('td', {}, el('input', { class: 'way-geo', type: 'text', placeholder: 'all', value: toList(w && w.geo).join(', ') })),
    el('td', {}, el('input', { class: 'way-geox', type: 'text', placeholder: 'none', value: toList(w && w.geox).join(', ') })),
    el('td', {}, el('select', { class: 'way-device' }, options(DEVICE_OPTS, (w && txt(w.device)) || 'any'))),
    el('td', { class: 'center' }, el('input', { class: 'way-bots', type: 'checkbox', checked: !!w && isOn(w.bots), title: 'This way refuses bots' })),
    el('td', { class: 'center' }, el('input', { class: 'way-active', type: 'checkbox', checked: on, title: 'Active' })),
    el('td', {}, button('×', () => tr.remove(), { class: 'btn btn-small btn-danger way-remove', title: 'Remove this way', 'aria-label': 'Remove way' })));
  tbody.appendChild(tr);
}

function readWay(tr) {
  const q = (c) => tr.querySelector('.' + c);
  const w = {};
  if (tr.dataset.way) w.way = num(tr.dataset.way);
  const t = q('way-target').value;
  if (t.startsWith('s:')) w.site = num(t.slice(2));
  else w.url = q('way-url').value.trim();
  const weight = q('way-weight').value.trim();
  w.weight = weight === '' ? 1 : num(weight);
  w.geo = geoList(q('way-geo').value);
  w.geox = geoList(q('way-geox').value);
  w.device = q('way-device').value;
  w.bots = q('way-bots').checked ? 1 : 0;
  w.active = q('way-active').checked ? 1 : 0;
  const offers = readOffers(tr);
  if (offers) w.offers = offers;
  return w;
}

function editor(flow, sites, { done, cancel, sources }) {
  const f = flow || {};
  const isNew = !flow;
  const id = el('input', {
    id: 'flow-id', type: 'text', value: txt(f.flow), readOnly: !isNew, pattern: '[a-z0-9\\-]{2,32}',
    placeholder: 'auto', autocomplete: 'off', spellcheck: 'false',
  });
  const name = el('input', { id: 'flow-name', type: 'text', value: txt(f.name), required: true, maxlength: 255 });
  const method = el('select', { id: 'flow-method' }, options(METHODS, txt(f.method) || 'redirect'));
  const geo = el('input', { id: 'flow-geo', type: 'text', value: toList(f.geo).join(', '), placeholder: 'all, or e.g. de, at, ch' });
  const lang = el('input', { id: 'flow-lang', type: 'checkbox', checked: isOn(f.lang) });
  const bots = el('input', { id: 'flow-bots', type: 'checkbox', checked: f.bots == null || isOn(f.bots) });
  const unique = el('input', { id: 'flow-unique', type: 'number', min: 0, step: 1, value: f.unique == null || f.unique === false ? 24 : num(f.unique) });
  const tbCur = trafficback(f.trafficback);
  const tbSel = targetSelect(sites, tbCur, 'tb-target', 'flow-trafficback');
  const tbUrl = el('input', { id: 'flow-trafficback-url', type: 'url', value: tbCur.url || '', placeholder: 'https://...' });
  const tbSync = () => { tbUrl.hidden = tbSel.value !== 'u:'; };
  tbSel.addEventListener('change', tbSync);
  tbSync();

  const source = sourceSelect(sources || [], f.source);
  const sourceWas = source.value; // an archived source stays unless changed
  const ways = el('tbody', { id: 'flow-ways' });
  const fw = Array.isArray(f.ways) ? f.ways : [];
  if (fw.length) fw.forEach((w) => wayRow(w, sites, ways));
  else if (isNew) wayRow(null, sites, ways);

  const save = async (e) => {
    e.preventDefault();
    const body = {
      name: name.value.trim(),
      method: method.value,
      geo: geoList(geo.value),
      lang: lang.checked ? 1 : 0,
      bots: bots.checked ? 1 : 0,
      unique: unique.value.trim() === '' ? 24 : num(unique.value),
      trafficback: tbSel.value.startsWith('s:') ? num(tbSel.value.slice(2)) : tbSel.value === 'u:' ? tbUrl.value.trim() : '',
      ways: [...ways.querySelectorAll('tr.way-row')].map(readWay),
    };
    if (source.value !== sourceWas) body.source = source.value ? num(source.value) : 0;
    const fid = id.value.trim();
    if (fid) body.flow = fid;
    try {
      const res = await api('flow', body, { json: true, accessProbe: true });
      showMsg('Flow ' + txt(res.flow || fid) + ' saved');
      done();
    } catch (err) {
      if (err.code === 'access') showError(err, 'this flow id belongs to another user');
      else showError(err);
    }
  };

  return el('form', { id: 'flow-form', class: 'card editor', onsubmit: save },
    el('h2', {}, isNew ? 'New flow' : 'Edit flow ' + txt(f.flow)),
    el('div', { class: 'grid' },
      field('Flow id', id, isNew ? 'a-z 0-9 -, 2-32 chars; empty: random' : 'cannot be changed'),
      field('Name', name),
      field('Method', method),
      field('Countries allowed', geo, 'comma list; empty: all'),
      field('Unique window, h', unique),
      el('div', { class: 'field' }, el('span', { class: 'field-label' }, 'Trafficback'), tbSel, tbUrl,
        el('small', { class: 'hint' }, 'where blocked visits go')),
      field('Traffic source', source, 'its macros go into the tracking link')),
    el('div', { class: 'row checks' },
      el('label', { class: 'check' }, lang, ' Language filter (visitor speaks a language of an allowed country)'),
      el('label', { class: 'check' }, bots, ' Block bots')),
    el('h3', {}, 'Ways'),
    el('div', { class: 'table-wrap' }, el('table', { class: 'data ways-edit' },
      el('thead', {}, el('tr', {}, ['Way', 'Target', 'Weight', 'Countries', 'Excluded', 'Device', 'No bots', 'Active', '']
        .map((h) => el('th', {}, h)))),
      ways)),
    el('div', { class: 'actions' },
      button('+ Add way', () => wayRow(null, sites, ways), { id: 'flow-way-add', class: 'btn btn-small' })),
    el('div', { class: 'actions form-end' },
      el('button', { type: 'submit', id: 'flow-save', class: 'btn btn-primary' }, 'Save flow'),
      button('Cancel', cancel, { id: 'flow-cancel', class: 'btn' })));
}
