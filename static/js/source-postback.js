// A source's postback template in the source editor (js/sources.js): the
// URL flowtrack calls to tell the source about a lead, when, and with what
// (source.json `postback_*`, docs/API.md), and a live preview of it for
// one of the user's leads (postback-preview.json).
import { el, txt, num, api, field, options, refs, fmtTime } from './util.js';

const STAGES = ['new', 'hold', 'approve', 'cancel', 'trash'];
const MACROS = [
  ['{clickid}', 'the source\'s click id (the click\'s ad click id)'],
  ['{payout}', 'the lead\'s price × share, in the currency below'],
  ['{currency}', 'that currency (upper case)'],
  ['{status}', 'the word of the lead\'s stage (below)'],
  ['{stage}', 'the stage name'],
  ['{goal} {lead} {uid}', 'goal id, lead id, the advertiser\'s lead id'],
  ['{click} {flow} {time}', 'flowtrack click id, flow id, Unix time of the event'],
  ['{geo} {ip}', 'country (upper case), visitor IP'],
  ['{subid} {utm_source} … {data1} {data2} {adid}', 'the click\'s tags'],
];
const WHY = {
  'no-url': 'the template has no URL',
  stage: 'the lead\'s stage is not one of the stages that send',
  goal: 'the lead\'s goal is not one of the goals that send',
};
const PREVIEW_WAIT = 300; // ms after the last key before asking

const list = (v) => (Array.isArray(v) ? v.map(txt) : []);

/** The editor's postback part for source `src` (null: a new one) → { node, fill(postback), read() }. */
export function postbackEditor(src) {
  const input = (id, attrs = {}) => el('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs });
  const url = input('source-pb-url', { maxlength: 2000, placeholder: 'https://network.example/pb?clickid={clickid}&payout={payout}&status={status}' });
  const method = el('select', { id: 'source-pb-method' }, options([['get', 'GET'], ['post', 'POST']], 'get'));
  const body = el('textarea', { id: 'source-pb-body', rows: 3, maxlength: 4000, spellcheck: 'false', placeholder: '{"click_id":"{clickid}","payout":"{payout}"}' });
  const type = input('source-pb-type', { list: 'dl-pb-types', placeholder: 'form; JSON when the body starts with { or [' });
  const stages = STAGES.map((st) => el('input', { type: 'checkbox', class: 'pb-stage', value: st, id: 'source-pb-stage-' + st }));
  const goals = input('source-pb-goals', { placeholder: 'every goal', list: 'dl-pb-goals' });
  const share = el('input', { id: 'source-pb-share', type: 'number', min: 0, max: 1000, step: 'any' });
  const currency = input('source-pb-currency', { maxlength: 3, placeholder: 'the source\'s' });
  const words = STAGES.map((st) => input('source-pb-word-' + st, { class: 'pb-word', 'data-stage': st, placeholder: st, maxlength: 64 }));
  const lead = el('input', { id: 'source-pb-lead', type: 'number', min: 1, step: 1, list: 'dl-pb-leads', placeholder: 'lead id' });
  const stage = el('select', { id: 'source-pb-stage' }, options([['', 'the lead\'s'], ...STAGES.map((s) => [s, s])], ''));
  const out = el('div', { id: 'source-pb-preview', class: 'pb-preview', 'aria-live': 'polite' });
  const leadList = el('datalist', { id: 'dl-pb-leads' });
  const leadInfo = el('small', { class: 'hint', id: 'source-pb-lead-info' });
  const known = new Map(); // recent leads: id → what they are
  const goalList = el('datalist', { id: 'dl-pb-goals' });

  const fill = (pb) => {
    const p = pb || {};
    url.value = txt(p.url);
    method.value = txt(p.method).toLowerCase() === 'post' ? 'post' : 'get';
    body.value = txt(p.body);
    type.value = txt(p.type);
    const on = Array.isArray(p.stages) ? list(p.stages) : ['approve'];
    stages.forEach((b) => { b.checked = on.includes(b.value); });
    goals.value = list(p.goals).join(', ');
    share.value = p.share == null || p.share === '' ? 100 : num(p.share);
    currency.value = txt(p.currency);
    const w = p.words && typeof p.words === 'object' ? p.words : {};
    words.forEach((i) => { i.value = txt(w[i.dataset.stage]) === i.dataset.stage ? '' : txt(w[i.dataset.stage]); });
    sync();
  };
  const read = () => ({
    postback_url: url.value.trim(),
    postback_method: method.value,
    postback_body: method.value === 'post' ? body.value : '',
    postback_type: method.value === 'post' ? type.value.trim() : '',
    postback_stages: stages.filter((b) => b.checked).map((b) => b.value),
    postback_goals: goals.value.split(/[\s,;]+/).map((g) => g.trim().toLowerCase()).filter(Boolean),
    postback_share: share.value.trim() === '' ? 100 : num(share.value),
    postback_currency: currency.value.trim().toLowerCase(),
    postback_words: Object.fromEntries(words.filter((i) => i.value.trim()).map((i) => [i.dataset.stage, i.value.trim()])),
  });
  const sync = () => {
    for (const c of [body, type]) c.closest('.field').hidden = method.value !== 'post';
    schedule();
  };

  // The preview: asked again PREVIEW_WAIT ms after the last change; only
  // the newest answer is shown.
  let timer = 0;
  let seq = 0;
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, PREVIEW_WAIT); };
  async function preview() {
    const my = ++seq;
    leadInfo.textContent = known.get(String(num(lead.value))) || '';
    if (!num(lead.value)) {
      out.dataset.state = 'none';
      out.replaceChildren(el('span', { class: 'muted' }, 'Choose a lead to see the postback it would send.'));
      return;
    }
    const q = { ...read(), lead: num(lead.value) };
    if (src) q.source = num(src.id);
    if (stage.value) q.stage = stage.value;
    out.dataset.state = 'loading';
    try {
      // `access` here is another user's lead, not a lost session.
      const d = await api('postback-preview', q, { json: true, accessProbe: true });
      if (my !== seq) return;
      out.dataset.state = 'ok';
      out.dataset.send = String(!!d.send);
      out.dataset.why = txt(d.why);
      const post = txt(d.method).toLowerCase() === 'post';
      out.replaceChildren(
        el('div', { class: 'pb-send', id: 'source-pb-send' }, d.send ? 'Sends:' : 'Sends nothing: ' + (WHY[d.why] || txt(d.why)) + '. It would be:'),
        el('div', {}, el('span', { class: 'badge' }, post ? 'POST' : 'GET'), ' ', el('code', { id: 'source-pb-preview-url' }, txt(d.url))),
        post ? el('pre', { class: 'mono', id: 'source-pb-preview-body' }, txt(d.body)) : null,
        post ? el('div', { class: 'note' }, 'Content-Type: ', txt(d.type) || 'application/x-www-form-urlencoded') : null);
    } catch (err) {
      if (my !== seq) return;
      out.dataset.state = 'error';
      out.dataset.error = err.code || 'error';
      out.replaceChildren(el('span', { class: 'err' }, 'Error: ' + (err.code || err.message) + (err.field ? ' (field: ' + err.field + ')' : '')));
    }
  }

  // Recent leads to preview with: this source's first, else anyone's.
  const loadLeads = async () => {
    let leads = [];
    try {
      if (src) leads = (await api('leads', { source: src.id, limit: 20 })).leads || [];
      if (!leads.length) leads = (await api('leads', { limit: 20 })).leads || [];
    } catch { /* the id can still be typed */ }
    for (const l of leads) {
      known.set(txt(l.id), [txt(l.status), txt(l.goal), fmtTime(l.time), txt(l.adid) && 'click id ' + txt(l.adid)].filter(Boolean).join(' · '));
    }
    leadList.replaceChildren(...[...known].map(([id, what]) => el('option', { value: id }, '#' + id + ' ' + what)));
    if (!lead.value && leads.length) lead.value = txt(leads[0].id);
    schedule();
  };
  refs().then((r) => goalList.replaceChildren(...r.goals.map((g) => el('option', { value: txt(g.goal) }, txt(g.name)))));

  const node = el('div', { id: 'source-postback', class: 'source-postback' },
    el('h3', {}, 'Postback to the source'),
    el('p', { class: 'note' }, 'When a lead of this source\'s clicks reaches a chosen stage, flowtrack calls this URL once, so the network can optimise on conversions. Empty: the source is told nothing.'),
    el('div', { class: 'grid grid-wide' },
      field('URL', url, 'macros are replaced, URL-encoded; unknown {words} stay as they are'),
      field('Method', method),
      field('Body', body, 'form fields or JSON, with the same macros'),
      field('Content type', type)),
    el('div', { class: 'grid grid-wide' },
      el('div', { class: 'field' }, el('span', { class: 'field-label' }, 'Send at the stages'),
        el('div', { class: 'pb-stages', id: 'source-pb-stages' }, stages.map((b) => el('label', { class: 'check' }, b, b.value)))),
      field('Goals', goals, 'goal ids, comma-separated; empty: every goal'),
      field('Payout share %', share, '{payout} is this share of the lead\'s price'),
      field('Payout currency', currency, 'empty: the source\'s currency')),
    el('div', { class: 'field' }, el('span', { class: 'field-label' }, '{status} at each stage'),
      el('div', { class: 'grid', id: 'source-pb-words' }, words.map((i) => field(i.dataset.stage, i)))),
    el('details', { class: 'help' }, el('summary', {}, 'Macros'),
      el('dl', { class: 'macros' }, MACROS.map(([m, d]) => [el('dt', {}, el('code', {}, m)), el('dd', {}, d)]))),
    el('h3', {}, 'Preview'),
    el('div', { class: 'row pb-row' }, el('label', { class: 'field pb-lead' }, el('span', { class: 'field-label' }, 'Lead'), lead, leadInfo),
      field('Stage', stage)),
    out, leadList, goalList,
    el('datalist', { id: 'dl-pb-types' }, ['application/json', 'application/x-www-form-urlencoded'].map((t) => el('option', { value: t }))));
  url.closest('.field').classList.add('span-all');
  node.addEventListener('input', (e) => { if (e.target !== out) schedule(); });
  method.addEventListener('change', sync);
  node.addEventListener('change', schedule);
  fill(src && src.postback);
  loadLeads();
  return { node, fill, read };
}
