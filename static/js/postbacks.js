// Postbacks (#postbacks, #postbacks/in): what flowtrack told the traffic
// sources about leads (postbacks-out.json, with a retry of a failed send)
// and every postback.json call it received (postbacks-in.json), as
// docs/API.md describes them. Both are log pages (js/logs.js).
import { el, txt, num, api, button, showError, showMsg, fmtTime } from './util.js';
import { logPage, when, trunc, mono } from './logs.js';

const STAGES = ['new', 'hold', 'approve', 'cancel', 'trash'];
const STATES = [['', 'any'], ['pending', 'pending'], ['sent', 'sent'], ['failed', 'failed'], ['pending,failed', 'not sent yet']];
// The refusals postback.json answers (docs/API.md postback.json).
const REFUSALS = ['no-click', 'bad-click', 'bad-flow', 'access', 'no-changes', 'bad-status', 'bad-price',
  'bad-currency', 'bad-goal', 'bad-ip', 'bad-geo', 'bad-param', 'db'];
const ERRORS = [['', 'all calls'], ['ok', 'taken (ok)'], ['any', 'refused: any error'], ...REFUSALS.map((c) => [c, c])];

// Source names by id, asked once each time the page is opened.
let sourceNames = new Map();
let namesAsked = null;
const loadSourceNames = () => {
  namesAsked ||= api('sources').then((d) => {
    sourceNames = new Map((Array.isArray(d.sources) ? d.sources : []).map((s) => [num(s.id), txt(s.name)]));
  }).catch(() => { /* names stay ids */ });
  return namesAsked;
};

const tabs = (cur) => el('nav', { class: 'tabs', id: 'postbacks-tabs' },
  [['out', '#postbacks', 'Outgoing'], ['in', '#postbacks/in', 'Incoming']].map(([k, href, label]) =>
    el('a', { href, class: 'tab', 'data-tab': k, 'aria-current': k === cur ? 'page' : null }, label)));

const stageBadge = (v) => (STAGES.includes(txt(v))
  ? el('span', { class: 'badge st-' + txt(v) }, txt(v)) : el('span', { class: 'muted' }, '—'));
const STATE_CLASS = { sent: 'st-ok', failed: 'st-bad', pending: 'st-hold' };
const stateBadge = (v) => el('span', { class: 'badge ' + (STATE_CLASS[txt(v)] || ''), 'data-state': txt(v) }, txt(v));
const dash = () => el('span', { class: 'muted' }, '—');

// The source told: the method, the masked URL (the body in the tooltip).
function target(r) {
  const url = txt(r.url);
  const body = txt(r.body);
  const title = url + (body ? '\n\n' + (txt(r.type) || 'form') + ':\n' + body : '');
  return el('span', { class: 'pb-target', title }, el('span', { class: 'badge' }, txt(r.method).toUpperCase() || 'GET'), ' ',
    el('span', { class: 'mono trunc wide' }, url));
}

// The answer's start; the error (a timeout, a refused connection) when
// there was none.
function answer(r) {
  const err = txt(r.error);
  const res = txt(r.response);
  if (res) return el('span', { class: 'trunc wide mono', title: (err ? err + ': ' : '') + res }, res);
  return err ? el('span', { class: 'trunc wide err', title: err }, err) : '';
}

function attempts(r) {
  const bits = [];
  if (num(r.last)) bits.push('last attempt ' + fmtTime(r.last));
  if (r.state === 'pending' && num(r.next)) bits.push('next ' + fmtTime(r.next));
  return el('span', { title: bits.join(', ') || null }, txt(num(r.attempts)));
}

// A failed postback's Retry, beside its state.
function retryButton(r, reload) {
  if (r.state !== 'failed') return null;
  return button('Retry', async (e) => {
    e.target.disabled = true;
    try {
      // `access` here is another user's postback, not a lost session.
      await api('postback-retry', { postback: r.id }, { post: true, accessProbe: true });
      showMsg('Postback #' + txt(r.id) + ' will be sent again');
    } catch (err) { showError(err); }
    reload();
  }, { class: 'btn btn-small retry', 'data-action': 'retry', title: 'Send it again now, attempts counted from 0' });
}

const renderOut = logPage({
  prefix: 'pbout', fn: 'postbacks-out', key: 'postbacks', idKey: 'id', title: 'Postbacks',
  defaults: {}, top: () => tabs('out'), prepare: loadSourceNames,
  help: 'What flowtrack told your traffic sources about leads, newest first, as each source\'s postback template says (Sources page). '
    + 'A send that fails on a connection error, a timeout, 408, 429 or 5xx is tried again after 1, 2, 4 … minutes, 11 times at most; '
    + 'any other answer but 2xx fails it at once. Secrets in URLs and bodies are shown as ***.',
  filters: [
    { k: 'from', label: 'From', type: 'date' },
    { k: 'to', label: 'To', type: 'date' },
    { k: 'state', label: 'State', opts: STATES },
    { k: 'source', label: 'Source', list: 'dl-pbout-sources', placeholder: 'id' },
    { k: 'lead', label: 'Lead', type: 'number', placeholder: 'id' },
  ],
  lists: async (r, root) => {
    await loadSourceNames();
    root.append(el('datalist', { id: 'dl-pbout-sources' }, [...sourceNames].map(([id, name]) => el('option', { value: String(id) }, name))));
  },
  cols: [
    { k: 'time', label: 'Time', cls: 'nowrap', fixed: true, title: 'When the lead reached the stage', get: (r) => when(r.time) },
    { k: 'lead', label: 'Lead', num: true },
    { k: 'source', label: 'Source', cls: 'nowrap', get: (r) => el('span', { title: 'source ' + txt(r.source) }, sourceNames.get(num(r.source)) || 'source #' + txt(r.source)) },
    { k: 'stage', label: 'Stage', get: (r) => stageBadge(r.stage) },
    { k: 'state', label: 'State', cls: 'nowrap', get: (r, reload) => [stateBadge(r.state), retryButton(r, reload)] },
    { k: 'attempts', label: 'Attempts', num: true, get: attempts },
    { k: 'http', label: 'HTTP', num: true, title: 'The status code of the last answer', get: (r) => (num(r.http) ? txt(r.http) : dash()) },
    { k: 'latency', label: 'ms', num: true, title: 'How long the last attempt took, in milliseconds', get: (r) => (r.latency == null || r.latency === false || !num(r.last) ? dash() : txt(num(r.latency))) },
    { k: 'url', label: 'Sent', cls: 'url', get: target },
    { k: 'response', label: 'Answer', title: 'The start of the source\'s answer, or the error', get: answer },
    { k: 'click', label: 'Click', get: (r) => mono(r.click), off: true },
    { k: 'next', label: 'Next try', cls: 'nowrap', get: (r) => (r.state === 'pending' && num(r.next) ? when(r.next) : ''), off: true },
    { k: 'id', label: 'ID', num: true, off: true },
  ],
});

// The parameters as received, as a query string (the postback key is ***).
const paramText = (p) => (p && typeof p === 'object' && !Array.isArray(p)
  ? Object.entries(p).map(([k, v]) => k + '=' + (typeof v === 'object' && v !== null ? JSON.stringify(v) : txt(v))).join('&')
  : txt(p));

function inStatus(r) {
  if (r.status === 'ok' || !txt(r.error)) {
    return el('span', { class: 'badge st-ok', title: r.create ? 'created the lead' : 'changed the lead' }, r.create ? 'ok: new' : 'ok');
  }
  return el('span', { class: 'badge st-bad', title: txt(r.field) ? 'field ' + txt(r.field) : null },
    txt(r.error) + (txt(r.field) ? ' (' + txt(r.field) + ')' : ''));
}

const renderIn = logPage({
  prefix: 'pbin', fn: 'postbacks-in', key: 'postbacks', idKey: 'id', title: 'Postbacks',
  defaults: {}, top: () => tabs('in'),
  help: 'Every postback.json call your advertisers made, taken or refused, newest first, with the parameters as they came. '
    + 'Calls with a wrong key are not logged. The log keeps the last days the server is set to (--postback-log-days).',
  filters: [
    { k: 'from', label: 'From', type: 'date' },
    { k: 'to', label: 'To', type: 'date' },
    { k: 'error', label: 'Result', opts: ERRORS },
    { k: 'click', label: 'Click', placeholder: 'click id' },
    { k: 'flow', label: 'Flow', list: 'dl-pbin-flows' },
  ],
  lists: (r, root) => {
    root.append(el('datalist', { id: 'dl-pbin-flows' }, r.flows.map((f) => el('option', { value: txt(f.flow) }, txt(f.name)))));
  },
  cols: [
    { k: 'time', label: 'Time', cls: 'nowrap', fixed: true, get: (r) => when(r.time) },
    { k: 'ip', label: 'IP', get: (r) => mono(r.ip) },
    { k: 'click', label: 'Click / flow', get: (r) => (txt(r.click) ? mono(r.click) : txt(r.flow) ? el('span', { title: 'flow' }, 'flow ', mono(r.flow)) : dash()) },
    { k: 'status', label: 'Result', get: inStatus },
    { k: 'lead', label: 'Lead', num: true, get: (r) => (num(r.lead) ? txt(r.lead) : dash()) },
    { k: 'stage', label: 'Stage', get: (r) => stageBadge(r.stage) },
    { k: 'params', label: 'Parameters', cls: 'url', get: (r) => trunc(paramText(r.params), 'trunc wide mono') },
    { k: 'id', label: 'ID', num: true, off: true },
  ],
});

export function renderPostbacks(root) {
  namesAsked = null;
  const sub = location.hash.replace(/^#\/?/, '').split(/[/?&]/)[1];
  (sub === 'in' ? renderIn : renderOut)(root);
}
