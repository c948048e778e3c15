// Traffic sources (#sources): list, create from a built-in template, edit
// (with its postback template: js/source-postback.js),
// archive (sources.json, source.json, source-delete.json); and the flow
// editor's source select.
import {
  el, txt, num, api, field, options, button, showError, showMsg, confirmAsk, invalidateRefs, copyButton,
} from './util.js';
import { postbackEditor } from './source-postback.js';

const TAGS = ['utm_source', 'utm_campaign', 'utm_content', 'utm_term', 'utm_medium', 'subid', 'uuid', 'data1', 'data2'];
const COST_MODELS = [['none', 'none'], ['cpc', 'fixed price per click (CPC)'], ['param', 'price per click from a parameter']];

const listOf = (d, k) => (Array.isArray(d && d[k]) ? d[k] : []);

/** sources.json: { sources, templates }, empty lists when it fails. */
export async function loadSources() {
  try {
    const d = await api('sources');
    return { sources: listOf(d, 'sources'), templates: listOf(d, 'templates') };
  } catch (e) {
    showError(e);
    return { sources: [], templates: [] };
  }
}

/** The flow editor's source select (id flow-source); `cur` the flow's source id or false. */
export function sourceSelect(sources, cur) {
  const id = cur ? num(cur) : 0;
  const opts = [['', '— none —'], ...sources.map((s) => [txt(s.id), txt(s.name) + ' #' + s.id])];
  if (id && !sources.some((s) => num(s.id) === id)) opts.push([String(id), 'source #' + id + ' (archived)']);
  return el('select', { id: 'flow-source' }, options(opts, id ? String(id) : ''));
}

/** A source's name by id, for flow cards. */
export function sourceName(sources, id) {
  const s = sources.find((x) => num(x.id) === num(id));
  return s ? txt(s.name) : 'source #' + id + ' (archived)';
}

/** A flow's tracking link with source `s`, as flows.json's `link` builds it (docs/API.md flows.json). */
export function linkShape(s, flow = '{flow}') {
  const pairs = [[s.click_param, s.click_macro], ...listOf(s, 'params').map((m) => [m.param, m.macro])];
  if (s.cost_model === 'param') pairs.push([s.cost_param, s.cost_macro]);
  const q = pairs.filter(([p, m]) => txt(p) && txt(m)).map(([p, m]) => txt(p) + '=' + txt(m)).join('&');
  return location.origin + '/' + flow + (q ? '?' + q : '');
}

/** The profile's card: each source's tracking-link shape, to copy. */
export function sourceLinksCard() {
  const list = el('div', { id: 'profile-source-links' });
  const card = el('section', { class: 'card' }, el('h2', {}, 'Tracking links by traffic source'),
    el('p', { class: 'note' }, 'A flow\'s link with each source\'s macros; replace {flow} with the flow id (the Flows page shows each flow\'s own).'),
    list);
  loadSources().then(({ sources }) => list.replaceChildren(...(sources.length ? sources.map((s) => {
    const link = linkShape(s);
    return el('div', { class: 'field', 'data-id': txt(s.id) }, el('span', { class: 'field-label' }, txt(s.name)),
      el('div', { class: 'copy-line' }, el('code', { class: 'mono wrap' }, link), ' ', copyButton(null, () => link, 'Tracking link')));
  }) : [el('p', { class: 'empty' }, 'No traffic sources yet (Sources page).')])));
  return card;
}

function paramRow(m, tbody) {
  const tr = el('tr', { class: 'src-param' },
    el('td', {}, el('input', { class: 'src-param-name', type: 'text', value: txt(m.param), placeholder: 'zone', spellcheck: 'false' })),
    el('td', {}, el('select', { class: 'src-param-tag' }, options(TAGS.map((t) => [t, t]), txt(m.tag) || 'subid'))),
    el('td', {}, el('input', { class: 'src-param-macro', type: 'text', value: txt(m.macro), placeholder: '{zoneid}', spellcheck: 'false' })),
    el('td', {}, button('×', () => tr.remove(), { class: 'btn btn-small btn-danger', title: 'Remove', 'aria-label': 'Remove parameter' })));
  tbody.appendChild(tr);
}

function editor(src, templates, { done, cancel }) {
  const s = src || {};
  const isNew = !src;
  const input = (id, value, attrs = {}) => el('input', { id, type: 'text', value: txt(value), spellcheck: 'false', ...attrs });
  const tpl = el('select', { id: 'source-template' },
    options([['', '— none —'], ...templates.map((t) => [txt(t.template), txt(t.name)])], txt(s.template)));
  const name = input('source-name', s.name, { required: true, maxlength: 255 });
  const clickParam = input('source-click-param', s.click_param, { placeholder: 'gclid' });
  const clickMacro = input('source-click-macro', s.click_macro, { placeholder: '{gclid}' });
  const params = el('tbody', { id: 'source-params' });
  const model = el('select', { id: 'source-cost-model' }, options(COST_MODELS, txt(s.cost_model) || 'none'));
  const cpc = el('input', { id: 'source-cpc', type: 'number', min: 0, step: 'any', value: s.cpc == null ? 0 : num(s.cpc) });
  const costParam = input('source-cost-param', s.cost_param, { placeholder: 'cost' });
  const costMacro = input('source-cost-macro', s.cost_macro, { placeholder: '{cost}' });
  const currency = input('source-currency', s.currency, { maxlength: 3, placeholder: 'usd' });
  const docs = el('p', { class: 'note', id: 'source-docs' });
  const pb = postbackEditor(src);
  const fill = (t) => {
    name.value = txt(t.name); clickParam.value = txt(t.click_param); clickMacro.value = txt(t.click_macro);
    model.value = txt(t.cost_model) || 'none'; costParam.value = txt(t.cost_param); costMacro.value = txt(t.cost_macro);
    if (!currency.value) currency.value = txt(t.currency);
    params.replaceChildren();
    listOf(t, 'params').forEach((m) => paramRow(m, params));
    if (t.postback) pb.fill(t.postback);
    sync();
  };
  const sync = () => {
    cpc.closest('.field').hidden = model.value !== 'cpc';
    costParam.closest('.field').hidden = model.value !== 'param';
    costMacro.closest('.field').hidden = model.value !== 'param';
    const t = templates.find((x) => txt(x.template) === tpl.value);
    docs.replaceChildren(...(t && t.docs ? ['Parameters and macros as ', txt(t.name), ' documents them: ',
      el('a', { href: t.docs, target: '_blank', rel: 'noopener noreferrer' }, txt(t.docs))] : []));
  };
  tpl.addEventListener('change', () => {
    const t = templates.find((x) => txt(x.template) === tpl.value);
    if (t) fill(t); else sync();
  });
  model.addEventListener('change', sync);
  listOf(s, 'params').forEach((m) => paramRow(m, params));

  const save = async (e) => {
    e.preventDefault();
    const body = {
      name: name.value.trim(),
      click_param: clickParam.value.trim(),
      click_macro: clickMacro.value.trim(),
      params: [...params.querySelectorAll('tr.src-param')].map((tr) => ({
        param: tr.querySelector('.src-param-name').value.trim(),
        tag: tr.querySelector('.src-param-tag').value,
        macro: tr.querySelector('.src-param-macro').value.trim(),
      })),
      cost_model: model.value,
      cpc: cpc.value.trim() === '' ? 0 : num(cpc.value),
      cost_param: costParam.value.trim(),
      cost_macro: costMacro.value.trim(),
      currency: currency.value.trim().toLowerCase(),
      ...pb.read(),
    };
    if (!isNew) body.source = num(s.id);
    // The template is recorded on create; on an edit only when changed.
    if (tpl.value && (isNew || tpl.value !== txt(s.template))) body.template = tpl.value;
    try {
      const res = await api('source', body, { json: true });
      showMsg('Source #' + txt(res.source) + ' saved');
      done();
    } catch (err) { showError(err); }
  };

  const form = el('form', { id: 'source-form', class: 'card editor', onsubmit: save },
    el('h2', {}, isNew ? 'New source' : 'Edit source #' + txt(s.id)),
    el('div', { class: 'grid grid-wide' },
      field('Template', tpl, isNew ? 'copies a network\'s parameters and macros' : 'choosing one copies its fields again'),
      field('Name', name),
      field('Click id parameter', clickParam, 'kept as the ad click id ({uid})'),
      field('Click id macro', clickMacro, 'empty: the network appends it itself'),
      field('Cost', model),
      field('Price per click', cpc),
      field('Cost parameter', costParam),
      field('Cost macro', costMacro),
      field('Currency', currency, 'converted to your base currency at click time')),
    docs,
    el('h3', {}, 'Parameters'),
    el('p', { class: 'note' }, 'Each parameter of the tracking link fills a tag when the link did not give that tag itself.'),
    el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
      el('thead', {}, el('tr', {}, ['Parameter', 'Tag', 'Macro', ''].map((h) => el('th', {}, h)))), params)),
    el('div', { class: 'actions' },
      button('+ Add parameter', () => paramRow({}, params), { id: 'source-param-add', class: 'btn btn-small' })),
    pb.node,
    el('div', { class: 'actions form-end' },
      el('button', { type: 'submit', id: 'source-save', class: 'btn btn-primary' }, 'Save source'),
      button('Cancel', cancel, { id: 'source-cancel', class: 'btn' })));
  sync();
  return form;
}

const costText = (s) => (s.cost_model === 'cpc' ? num(s.cpc) + ' ' + txt(s.currency).toUpperCase() + ' per click'
  : s.cost_model === 'param' ? txt(s.cost_param) + '=' + txt(s.cost_macro) + ' (' + txt(s.currency).toUpperCase() + ')' : 'none');

// A source's postback in the list: method and the stages that send; the URL in the tooltip.
const postbackText = (p) => (p && txt(p.url)
  ? el('span', { title: txt(p.url) }, txt(p.method).toUpperCase() || 'GET', ' at ', listOf(p, 'stages').join(', ') || 'no stage')
  : el('span', { class: 'muted' }, 'none'));

export function renderSources(root) {
  const listBox = el('div', { id: 'sources-box' });
  const editorBox = el('div', { id: 'source-editor-box' });
  let templates = [];
  const open = (src) => {
    editorBox.replaceChildren(editor(src, templates, {
      done: () => { editorBox.replaceChildren(); invalidateRefs(); load(); },
      cancel: () => editorBox.replaceChildren(),
    }));
    document.getElementById(src ? 'source-name' : 'source-template')?.focus();
  };
  const load = async () => {
    const d = await loadSources();
    templates = d.templates;
    listBox.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { id: 'sources-table', class: 'data' },
      el('thead', {}, el('tr', {}, ['ID', 'Name', 'Template', 'Click id', 'Parameters', 'Cost', 'Postback', ''].map((h, i) => el('th', { class: i === 0 ? 'num' : null }, h)))),
      el('tbody', {}, d.sources.length ? d.sources.map((s) => el('tr', { 'data-id': txt(s.id) },
        el('td', { class: 'num' }, txt(s.id)),
        el('td', { class: 'name-col' }, txt(s.name)),
        el('td', {}, s.docs ? el('a', { href: s.docs, target: '_blank', rel: 'noopener noreferrer' }, txt(s.template)) : txt(s.template)),
        el('td', { class: 'mono' }, s.click_param ? txt(s.click_param) + (s.click_macro ? '=' + txt(s.click_macro) : '') : ''),
        el('td', { class: 'mono' }, listOf(s, 'params').map((m) => txt(m.param) + ' → ' + txt(m.tag)).join(', ')),
        el('td', {}, costText(s)),
        el('td', { class: 'nowrap', 'data-key': 'postback' }, postbackText(s.postback)),
        el('td', { class: 'actions nowrap' },
          button('Edit', () => open(s), { class: 'btn btn-small', 'data-action': 'edit' }),
          button('Archive', async () => {
            if (!confirmAsk('Archive source "' + txt(s.name) + '"? Flows naming it keep it until changed; its clicks stay in statistics.')) return;
            try {
              await api('source-delete', { source: s.id }, { post: true });
              showMsg('Source archived');
              invalidateRefs();
              load();
            } catch (e) { showError(e); }
          }, { class: 'btn btn-small btn-danger', 'data-action': 'archive' }))))
        : el('tr', {}, el('td', { class: 'empty', colspan: 8 }, 'No sources yet.'))))));
  };
  root.append(
    el('div', { class: 'page-head' }, el('h1', {}, 'Traffic sources'),
      button('New source', () => open(null), { id: 'source-new', class: 'btn btn-primary' })),
    el('p', { class: 'note' }, 'A source is where a flow buys its traffic: its click id, what its parameters mean, what a click costs, and the postback that tells it about leads. Name it on a flow to get the link to paste into the network.'),
    editorBox, listBox);
  load();
}
