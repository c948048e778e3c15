// Shared helpers: DOM builder, API client, formatting, messages, clipboard.
// Rule: data from the server only ever becomes text nodes or safe attributes.
import { num } from './format.js';

const TOKEN_KEY = 'flowtrack.token';

export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}
export function setToken(t) {
  try { sessionStorage.setItem(TOKEN_KEY, String(t)); } catch { /* private mode */ }
}
export function clearToken() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
}

// ---------- DOM ----------

// Only http(s) links (and in-page anchors) ever reach an href.
export function safeUrl(u) {
  if (typeof u !== 'string' || !/^\s*https?:\/\//i.test(u)) return null;
  try {
    const url = new URL(u.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch { return null; }
}
function safeHref(v) {
  const s = String(v).trim();
  if (/^#[\w\-/?=&.]*$/.test(s)) return s;
  return safeUrl(s);
}

const PROPS = new Set(['value', 'checked', 'selected', 'disabled', 'readOnly', 'required', 'open', 'hidden', 'indeterminate']);
const BLOCKED = new Set(['style', 'src', 'srcdoc', 'action', 'formaction', 'xlink:href']);

function append(node, kids) {
  for (const c of kids) {
    if (c == null || c === false || c === true) continue;
    if (Array.isArray(c)) append(node, c);
    else if (c instanceof Node) node.appendChild(c);
    else node.appendChild(document.createTextNode(String(c)));
  }
}

/** el('tag', {attrs}, ...children): attrs `onclick` etc. take functions, `class` a string/array. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  let value;
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith('on')) {
        if (typeof v === 'function') node.addEventListener(k.slice(2).toLowerCase(), v);
        continue;
      }
      if (BLOCKED.has(k.toLowerCase())) continue;
      if (k === 'class') node.className = Array.isArray(v) ? v.flat(Infinity).filter(Boolean).join(' ') : String(v);
      else if (k === 'value') value = v;
      else if (k === 'href') { const h = safeHref(v); if (h) node.setAttribute('href', h); }
      else if (PROPS.has(k)) node[k] = v;
      else if (v === true) node.setAttribute(k, '');
      else node.setAttribute(k, String(v));
    }
  }
  append(node, children);
  if (value !== undefined) node.value = String(value);
  return node;
}

export function txt(v) {
  return v == null || v === false ? '' : String(v);
}

export function options(list, selected) {
  return list.map(([v, label]) => el('option', { value: v, selected: String(v) === String(selected) }, label));
}

export function field(label, control, hint) {
  return el('label', { class: 'field' }, el('span', { class: 'field-label' }, label), control,
    hint ? el('small', { class: 'hint' }, hint) : null);
}

export function datalist(id, items) {
  return el('datalist', { id }, items.map(([v, label]) => el('option', { value: v }, label ?? '')));
}

export function table(attrs, head, body) {
  return el('div', { class: 'table-wrap' }, el('table', attrs, head, body));
}

export function button(label, onclick, attrs = {}) {
  return el('button', { type: 'button', class: 'btn', ...attrs, onclick }, label);
}

export function confirmAsk(text) {
  return window.confirm(text);
}

// ---------- formatting (js/format.js) ----------

export * from './format.js';

export function toList(v) {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (v == null || v === false || v === '') return [];
  return String(v).split(/[\s,;]+/).filter(Boolean);
}
export const isOn = (v) => v === true || v === 1 || v === '1' || v === 'true';

// code tables from the reference document; browsers after 'Bot' (11) are
// flowtrack's own (README, "Decisions where the reference is silent") and
// must match BROWSER_NAMES in src/user_agent.rs (tests/it/ua_codes.rs)
export const FILTERS = ['target', 'bot', 'blacklist', 'country', 'language', 'rules'];
export const OSES = ['Other', 'Windows', 'MacOS', 'Linux', 'iOS', 'Android', 'Windows Mobile', 'Symbian', 'BlackBerry'];
export const BROWSERS = ['Other', 'Chrome', 'Firefox', 'MSIE', 'Safari', 'Opera', 'Edge', 'Facebook', 'Instagram', 'Tik-Tok', 'WebView', 'Bot',
  'UC Browser', 'Samsung Internet', 'Silk', 'Yandex'];
export const DEVICES = ['desktop', 'mobile'];
export const codeName = (list, v) => (v == null || v === false || v === '' ? '' : (list[num(v)] ?? String(v)));
export const codeOptions = (list) => [['', 'any'], ...list.map((n, i) => [String(i), i + ' ' + n])];

// ---------- messages & busy state ----------

let msgTimer = 0;
export function clearMsg() {
  const box = document.getElementById('msg');
  if (!box) return;
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.error;
  delete box.dataset.field;
}
export function showMsg(text, kind = 'ok') {
  const box = document.getElementById('msg');
  if (!box) return;
  clearTimeout(msgTimer);
  box.className = 'msg msg-' + kind;
  delete box.dataset.error;
  delete box.dataset.field;
  box.replaceChildren(el('span', { class: 'msg-text' }, text),
    el('button', { type: 'button', class: 'msg-close', 'aria-label': 'Close', onclick: clearMsg }, '×'));
  box.hidden = false;
  if (kind === 'ok') msgTimer = setTimeout(clearMsg, 4000);
}

const HINTS = {
  access: 'access denied — log in again',
  network: 'the server cannot be reached',
  'bad-answer': 'the server answered something that is not JSON',
  'no-from': 'start date is required', 'no-to': 'end date is required', 'no-item': 'choose a grouping item',
  'bad-date': 'check the dates', 'bad-url': 'URL must start with http:// or https://',
  'bad-flow': 'flow id: 2-32 characters a-z, 0-9, -', 'bad-ip': 'not an IP address or CIDR range',
  'bad-timezone': 'unknown IANA time zone', 'bad-currency': 'unknown currency code',
  'bad-param': 'a parameter has a wrong value', 'bad-site': 'unknown site', 'bad-goal': 'goal id: a-z, 0-9, _ and -',
  'no-changes': 'nothing to change', empty: 'nothing to do', db: 'database error on the server',
  'slow-down': 'too many attempts: wait a little and try again',
};
export function showError(err, hint) {
  const code = (err && err.code) || 'error';
  const fieldName = (err && err.field) || '';
  let text = 'Error: ' + code + (fieldName ? ' (field: ' + fieldName + ')' : '');
  const h = hint || HINTS[code] || (err && !err.code && err.message) || '';
  if (h) text += ' — ' + h;
  showMsg(text, 'error');
  const box = document.getElementById('msg');
  if (box) {
    box.dataset.error = code;
    if (fieldName) box.dataset.field = fieldName;
  }
}

let busyCount = 0;
function busy(d) {
  busyCount = Math.max(0, busyCount + d);
  document.body.classList.toggle('busy', busyCount > 0);
}

// ---------- API ----------

export class ApiError extends Error {
  constructor(code, field, detail) {
    super(code + (field ? ' (' + field + ')' : '') + (detail ? ': ' + detail : ''));
    this.code = code;
    this.field = field || '';
  }
}

function pairs(params) {
  const out = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v == null || v === '' || v === false) continue;
    out.push([k, Array.isArray(v) ? v.join(',') : String(v)]);
  }
  return out;
}

function lostAccess() {
  clearToken();
  window.dispatchEvent(new CustomEvent('ft-logout'));
}

async function request(fn, params, opts) {
  const headers = {};
  const token = getToken();
  if (opts.auth !== false && token) headers.Authorization = 'Bearer ' + token;
  let url = '/api/tracker/' + fn + '.json';
  const init = { headers, cache: 'no-store', credentials: 'same-origin' };
  if (opts.json) {
    init.method = 'POST';
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(params || {});
  } else if (opts.post) {
    init.method = 'POST';
    init.body = new URLSearchParams(pairs(params));
  } else {
    const q = new URLSearchParams(pairs(params)).toString();
    if (q) url += '?' + q;
  }
  busy(1);
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new ApiError('network', '', e && e.message);
  } finally {
    busy(-1);
  }
}

async function checkError(data, opts) {
  if (data && data.status === 'ok') return;
  const err = new ApiError((data && data.error) || 'bad-answer', data && data.field);
  if (data && data.retry_after) err.retryAfter = Number(data.retry_after);
  // auth 'quiet': the caller handles a lost session itself (logging out).
  if (err.code === 'access' && opts.auth !== false && opts.auth !== 'quiet') {
    // flow.json says `access` for a flow id owned by someone else: make sure the session is really gone
    if (opts.accessProbe) await api('profile');
    else lostAccess();
  }
  throw err;
}

/** api('stats', {from,to,item}) → parsed JSON with status ok, or throws ApiError.
 *  opts: {post:true} form body, {json:true} JSON body, {auth:false} no token, {accessProbe:true}. */
export async function api(fn, params = {}, opts = {}) {
  const res = await request(fn, params, opts);
  let data;
  try { data = await res.json(); } catch { throw new ApiError(res.ok ? 'bad-answer' : 'http-' + res.status); }
  await checkError(data, opts);
  return data;
}

/** Fetch the same query with format=csv (Bearer header) and save it as a file. */
export async function downloadCsv(fn, params, filename) {
  const res = await request(fn, { ...params, format: 'csv' }, {});
  const type = res.headers.get('content-type') || '';
  if (type.includes('json')) {
    let data = null;
    try { data = await res.json(); } catch { /* fall through */ }
    await checkError(data, {});
  }
  if (!res.ok) throw new ApiError('http-' + res.status);
  const blob = new Blob([await res.arrayBuffer()], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename.replace(/[^\w.-]+/g, '_');
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 30000);
}

export function csvButton(id, getArgs) {
  return button('CSV', async () => {
    try {
      const [fn, params, name] = getArgs();
      await downloadCsv(fn, params, name);
    } catch (e) { showError(e); }
  }, { id, class: 'btn', title: 'Download this report as CSV' });
}

// ---------- cached reference lists (flows, sites, goals, profile) ----------

let refsPromise = null;
export function refs() {
  if (!refsPromise) {
    const get = (fn, key) => api(fn).then((d) => d[key] ?? (key ? [] : d)).catch(() => { refsPromise = null; return key ? [] : {}; });
    refsPromise = Promise.all([get('flows', 'flows'), get('sites', 'sites'), get('goals', 'goals'), get('profile', '')])
      .then(([flows, sites, goals, profile]) => ({
        flows: Array.isArray(flows) ? flows : [],
        sites: Array.isArray(sites) ? sites : [],
        goals: Array.isArray(goals) ? goals : [],
        profile: profile || {},
      }));
  }
  return refsPromise;
}
export function invalidateRefs() { refsPromise = null; }

// ---------- clipboard ----------

export async function copyText(text, what = 'Text') {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      ok = true;
    }
  } catch { ok = false; }
  if (!ok) {
    const ta = el('textarea', { class: 'offscreen', readonly: 'readonly' });
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
  }
  if (ok) showMsg(what + ' copied to the clipboard');
  else window.prompt('Copy this:', text);
}

export function copyButton(id, getText, what) {
  return button('Copy', () => copyText(getText(), what), { id, class: 'btn btn-small' });
}

// ---------- paging ----------

export function pager(prefix, onMove) {
  const info = el('span', { class: 'pager-info', id: prefix + '-range' });
  const prev = button('← Prev', () => onMove(-1), { id: prefix + '-prev', disabled: true });
  const next = button('Next →', () => onMove(1), { id: prefix + '-next', disabled: true });
  return {
    node: el('div', { class: 'pager' }, prev, info, next),
    update(offset, count, limit) {
      prev.disabled = offset <= 0;
      next.disabled = count < limit;
      info.textContent = count ? (offset + 1) + '–' + (offset + count) : (offset ? 'no more rows' : 'no rows');
    },
  };
}
