// Sites (#sites), goals (#goals), blacklist (#blacklist) and profile (#profile).
import {
  el, txt, api, invalidateRefs, field, button, showError, showMsg, copyButton, confirmAsk,
  safeUrl, datalist, options,
} from './util.js';
import { sessionsCard } from './sessions.js';
import { sourceLinksCard } from './sources.js';

const MACROS = [
  ['{click}', 'click id (pass it to the offer, it comes back in the postback)'],
  ['{flow}', 'flow id'], ['{way}', 'way id'], ['{site}', 'site id'], ['{geo}', 'visitor country, two letters'],
  ['{ip}', 'visitor IP'], ['{utms}', 'utm_source'], ['{utmc}', 'utm_campaign'], ['{utmn}', 'utm_content'],
  ['{utmt}', 'utm_term'], ['{utmm}', 'utm_medium'], ['{subid}', 'subid'], ['{uuid}', 'uuid tag'],
  ['{uid}', 'ad click id (fbclid, gclid, ttclid, ...)'], ['{data1}', 'custom data 1'], ['{data2}', 'custom data 2'],
  ['{landing}', 'landing page id'], ['{offer}', 'offer id (behind a landing page: the one the visitor gets)'],
  ['{lpclick}', 'on a landing page: the tracker link on to the offer (add /2 for the page\'s second offer)'],
];

const KINDS = [['offer', 'offer'], ['landing', 'landing page (links on to offers)']];

const macroHelp = () => el('details', { class: 'help' },
  el('summary', {}, 'URL macros'),
  el('p', {}, 'These are replaced (URL-encoded) when a visitor is sent to the site; unknown macros stay as they are.'),
  el('dl', { class: 'macros' }, MACROS.flatMap(([m, d]) => [el('dt', {}, el('code', {}, m)), el('dd', {}, d)])),
  el('p', {}, 'Example: ', el('code', {}, 'https://offer.example/land?sub1={click}&sub2={utms}&country={geo}')));

const listOf = (d, k) => (Array.isArray(d[k]) ? d[k] : []);

// ---------- sites ----------

export function renderSites(root) {
  const listBox = el('div', { id: 'sites-box' });
  const siteId = el('input', { id: 'site-id', type: 'hidden', value: '' });
  const name = el('input', { id: 'site-name', type: 'text', required: true, maxlength: 255 });
  const url = el('input', { id: 'site-url', type: 'url', required: true, placeholder: 'https://offer.example/?click={click}' });
  const kind = el('select', { id: 'site-kind' }, options(KINDS, 'offer'));
  const title = el('h2', {}, 'New site');
  const cancel = button('Cancel', () => reset(), { id: 'site-cancel', class: 'btn', hidden: true });
  const reset = () => {
    siteId.value = ''; name.value = ''; url.value = ''; kind.value = 'offer';
    title.textContent = 'New site';
    cancel.hidden = true;
  };
  const edit = (s) => {
    siteId.value = txt(s.id); name.value = txt(s.name); url.value = txt(s.url);
    kind.value = txt(s.kind) === 'landing' ? 'landing' : 'offer';
    title.textContent = 'Edit site #' + txt(s.id);
    cancel.hidden = false;
    name.focus();
  };

  const load = async () => {
    try {
      const sites = listOf(await api('sites'), 'sites');
      listBox.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { id: 'sites-table', class: 'data' },
        el('thead', {}, el('tr', {}, el('th', { class: 'num' }, 'ID'), el('th', {}, 'Name'), el('th', {}, 'Kind'), el('th', {}, 'URL'), el('th', {}, ''))),
        el('tbody', {}, sites.length ? sites.map((s) => el('tr', { 'data-id': txt(s.id) },
          el('td', { class: 'num' }, txt(s.id)),
          el('td', { class: 'name-col' }, txt(s.name)),
          el('td', { class: 'site-kind' }, txt(s.kind) === 'landing' ? 'landing page' : 'offer'),
          el('td', { class: 'url' }, el('span', { class: 'mono wrap' }, txt(s.url))),
          el('td', { class: 'actions nowrap' },
            button('Edit', () => edit(s), { class: 'btn btn-small', 'data-action': 'edit' }),
            button('Delete', async () => {
              if (!confirmAsk('Delete site "' + txt(s.name) + '"? Ways pointing to it stop working.')) return;
              try {
                await api('site-delete', { site: s.id }, { post: true });
                showMsg('Site deleted');
                invalidateRefs();
                if (siteId.value === txt(s.id)) reset();
                load();
              } catch (e) { showError(e); }
            }, { class: 'btn btn-small btn-danger', 'data-action': 'delete' }))))
          : el('tr', {}, el('td', { class: 'empty', colspan: 5 }, 'No sites yet.'))))));
    } catch (e) { showError(e); }
  };

  const form = el('form', {
    id: 'site-form', class: 'card editor',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const res = await api('site', { site: siteId.value, name: name.value.trim(), url: url.value.trim(), kind: kind.value }, { post: true });
        showMsg('Site #' + txt(res.site || siteId.value) + ' saved');
        invalidateRefs();
        reset();
        load();
      } catch (err) { showError(err); }
    },
  }, title, siteId,
  el('div', { class: 'grid grid-wide' }, field('Name', name), field('URL', url, 'landing page or offer link, with macros'),
    field('Kind', kind, 'a landing page links on to offers with {lpclick}')),
  el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'site-save', class: 'btn btn-primary' }, 'Save site'), cancel),
  macroHelp());

  root.append(el('h1', {}, 'Sites'), form, listBox);
  load();
}

// ---------- goals ----------

export function renderGoals(root) {
  const listBox = el('div', { id: 'goals-box' });
  const gid = el('input', { id: 'goal-id', type: 'text', required: true, pattern: '[a-z0-9_\\-]{1,32}', placeholder: 'lead', autocomplete: 'off', spellcheck: 'false' });
  const name = el('input', { id: 'goal-name', type: 'text', placeholder: 'Lead', maxlength: 255 });
  const edit = (g) => { gid.value = txt(g.goal); name.value = txt(g.name); name.focus(); };
  const load = async () => {
    try {
      const goals = listOf(await api('goals'), 'goals');
      listBox.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { id: 'goals-table', class: 'data' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Goal'), el('th', {}, 'Name'), el('th', {}, ''))),
        el('tbody', {}, goals.length ? goals.map((g) => el('tr', { 'data-id': txt(g.goal) },
          el('td', { class: 'mono' }, txt(g.goal)), el('td', {}, txt(g.name)),
          el('td', { class: 'actions' }, button('Rename', () => edit(g), { class: 'btn btn-small', 'data-action': 'edit' }))))
          : el('tr', {}, el('td', { class: 'empty', colspan: 3 }, 'No goals yet.'))))));
    } catch (e) { showError(e); }
  };
  const form = el('form', {
    id: 'goal-form', class: 'card editor',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('goal', { goal: gid.value.trim(), name: name.value.trim() }, { post: true });
        showMsg('Goal ' + gid.value.trim() + ' saved');
        invalidateRefs();
        gid.value = ''; name.value = '';
        load();
      } catch (err) { showError(err); }
    },
  }, el('h2', {}, 'Add or rename a goal'),
  el('div', { class: 'grid' }, field('Goal id', gid, 'a-z 0-9 _ -; an existing id is renamed'), field('Name', name)),
  el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'goal-save', class: 'btn btn-primary' }, 'Save goal')),
  el('p', { class: 'note' }, 'Postbacks with an unknown goal id create that goal automatically.'));
  root.append(el('h1', {}, 'Goals'), form, listBox);
  load();
}

// ---------- blacklist ----------

export function renderBlacklist(root) {
  const listBox = el('div', { id: 'blacklist-box' });
  const input = el('textarea', { id: 'blacklist-input', rows: 4, placeholder: '1.2.3.4\n10.0.0.0/8\n2001:db8::/32', spellcheck: 'false' });
  const show = (list) => {
    listBox.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { id: 'blacklist-table', class: 'data' },
      el('thead', {}, el('tr', {}, el('th', {}, 'IP / CIDR (' + list.length + ')'), el('th', {}, ''))),
      el('tbody', {}, list.length ? list.map((ip) => el('tr', { 'data-ip': txt(ip) },
        el('td', { class: 'mono' }, txt(ip)),
        el('td', { class: 'actions' }, button('Remove', () => change({ remove: [txt(ip)] }, txt(ip) + ' removed'),
          { class: 'btn btn-small btn-danger', 'data-action': 'remove' }))))
        : el('tr', {}, el('td', { class: 'empty', colspan: 2 }, 'The blacklist is empty.'))))));
  };
  const change = async (body, okText) => {
    try {
      const d = body ? await api('blacklist', body, { json: true }) : await api('blacklist');
      show(listOf(d, 'blacklist'));
      if (okText) showMsg(okText);
      return true;
    } catch (e) { showError(e); return false; }
  };
  const form = el('form', {
    id: 'blacklist-form', class: 'card editor',
    onsubmit: async (e) => {
      e.preventDefault();
      const add = input.value.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
      if (!add.length) return;
      if (await change({ add }, add.length + ' added')) input.value = '';
    },
  }, el('h2', {}, 'Add to the blacklist'),
  field('One IP or CIDR range per line', input),
  el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'blacklist-add', class: 'btn btn-primary' }, 'Add')),
  el('p', { class: 'note' }, 'Visits from these addresses are blocked by every flow (filter "blacklist") and go to the trafficback.'));
  root.append(el('h1', {}, 'Blacklist'), form, listBox);
  change(null, '');
}

// ---------- profile ----------

const ZONES = ['UTC', 'Europe/London', 'Europe/Lisbon', 'Europe/Dublin', 'Europe/Paris', 'Europe/Berlin', 'Europe/Madrid',
  'Europe/Rome', 'Europe/Amsterdam', 'Europe/Warsaw', 'Europe/Prague', 'Europe/Kyiv', 'Europe/Istanbul', 'Europe/Moscow',
  'Europe/Minsk', 'Asia/Dubai', 'Asia/Tbilisi', 'Asia/Yerevan', 'Asia/Almaty', 'Asia/Tashkent', 'Asia/Karachi',
  'Asia/Kolkata', 'Asia/Dhaka', 'Asia/Bangkok', 'Asia/Jakarta', 'Asia/Ho_Chi_Minh', 'Asia/Singapore', 'Asia/Manila',
  'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Asia/Seoul', 'Australia/Perth', 'Australia/Sydney',
  'Pacific/Auckland', 'Africa/Cairo', 'Africa/Lagos', 'Africa/Johannesburg', 'Africa/Nairobi', 'America/Sao_Paulo',
  'America/Argentina/Buenos_Aires', 'America/Bogota', 'America/Lima', 'America/Mexico_City', 'America/New_York',
  'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Toronto', 'America/Vancouver', 'Pacific/Honolulu'];
const CURRENCIES = ['usd', 'eur', 'gbp', 'rub', 'uah', 'kzt', 'try', 'brl', 'mxn', 'inr', 'idr', 'thb', 'vnd', 'php',
  'pln', 'czk', 'chf', 'cad', 'aud', 'jpy', 'cny', 'krw', 'ngn', 'zar'];

const PB_PARAMS = [
  ['click', 'the click id: the tracker gave it to the offer through the {click} site macro; put the network\'s macro for it here'],
  ['status', 'lead status: new, hold, approve, cancel, trash — or the network\'s own words mapped with stn, sth, sta, stc, stt'],
  ['price', 'payout; currency: three-letter code (default usd); convert: store the price converted to this currency'],
  ['goal', 'goal id (lead, reg, dep, ...): one click can have one lead per goal'],
  ['uid', 'the network\'s lead id: later calls with the same uid change that lead'],
  ['flow + subid', 'instead of click: the lead comes from the flow, subid makes it unique'],
  ['name, phone, email, comment, meta[xxx]', 'customer details and custom fields'],
  ['utm_source … subid, adid, data1, data2, ip, geo, ua, referer', 'replace what the click recorded'],
];

function copyRow(label, id, value, what, placeholder) {
  const input = el('input', { id, type: 'text', readOnly: true, value, class: 'mono', spellcheck: 'false', placeholder });
  input.addEventListener('focus', () => input.select());
  return el('div', { class: 'field copy-row' }, el('span', { class: 'field-label' }, label),
    el('div', { class: 'copy-line' }, input, copyButton('copy-' + id.replace(/^profile-/, ''), () => input.value, what)));
}

export function renderProfile(root) {
  const box = el('div', { id: 'profile-box' });
  root.append(el('h1', {}, 'Profile'), box);

  // The API token is stored only hashed: it is shown once, after rotating.
  let newToken = '';
  const showProfile = (p) => {
    const key = txt(p.postback_key);
    const base = location.origin + '/api/tracker/postback.json?id=' + encodeURIComponent(key);
    // profile.json's `postback` carries only the click id; a network needs
    // status and payout too, so add whatever macros the URL lacks.
    const add = (u, names) => names.reduce((s, n) => (new RegExp('[?&]' + n + '=').test(s) ? s : s + '&' + n + '={' + n + '}'), u);
    const srv = txt(p.postback);
    const postback = add(srv && safeUrl(srv) ? srv : base + '&click={click}', ['status', 'price', 'currency']);
    const withGoal = add(postback, ['goal', 'uid']);
    const byFlow = base + '&flow={flow}&subid={subid}&status={status}&price={price}&currency={currency}';

    const browserTz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    let zones = ZONES;
    try { if (Intl.supportedValuesOf) zones = Intl.supportedValuesOf('timeZone'); } catch { /* old browser */ }
    const tz = el('input', { id: 'profile-timezone', type: 'text', value: txt(p.timezone) || 'UTC', list: 'dl-zones', autocomplete: 'off', spellcheck: 'false' });
    const cur = el('input', { id: 'profile-currency', type: 'text', value: txt(p.currency) || 'usd', list: 'dl-currencies', maxlength: 3, autocomplete: 'off', spellcheck: 'false' });
    const current = el('input', { id: 'profile-password-current', type: 'password', autocomplete: 'current-password' });
    const pw = el('input', { id: 'profile-password', type: 'password', autocomplete: 'new-password' });
    const pw2 = el('input', { id: 'profile-password2', type: 'password', autocomplete: 'new-password' });

    const settings = el('form', {
      id: 'profile-form', class: 'card editor',
      onsubmit: async (e) => {
        e.preventDefault();
        if (pw.value !== pw2.value) { showError({ code: 'password', field: 'password' }, 'the two passwords differ'); return; }
        const body = { timezone: tz.value.trim(), currency: cur.value.trim().toLowerCase() };
        if (pw.value) {
          body.password = pw.value;
          body.current_password = current.value;
        }
        try {
          await api('profile', body, { post: true });
          showMsg('Profile saved' + (body.password ? ', password changed (your other sessions have ended)' : ''));
          invalidateRefs();
          load();
        } catch (err) {
          showError(err, err.field === 'current_password' ? 'the current password is wrong' : undefined);
        }
      },
    }, el('h2', {}, 'Settings'),
    el('div', { class: 'grid' },
      field('Time zone', tz, el('span', {}, 'statistics days use it; this browser: ',
        el('button', { type: 'button', class: 'link', onclick: () => { tz.value = browserTz; } }, browserTz))),
      field('Base currency', cur, 'statistics money is converted to it'),
      field('Current password', current, 'needed to set a new one'),
      field('New password', pw, 'leave empty to keep'),
      field('Repeat password', pw2)),
    datalist('dl-zones', zones.map((z) => [z])),
    datalist('dl-currencies', CURRENCIES.map((c) => [c])),
    el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'profile-save', class: 'btn btn-primary' }, 'Save')));

    const api_ = el('section', { class: 'card' },
      el('h2', {}, 'API access'),
      el('p', {}, 'User: ', el('strong', { id: 'profile-user' }, txt(p.user))),
      copyRow('API token', 'profile-token', newToken, 'Token', 'hidden: rotate to see a new one'),
      el('p', { class: 'note' }, 'For scripts (spend imports, reports). Only a hash of it is kept, so it is shown once, when made.'),
      el('div', { class: 'actions' }, button('Rotate token', async () => {
        if (!confirmAsk('Make a new API token? The old one stops working at once for your scripts.')) return;
        // A token outlives this session, so making one needs the password.
        const current = window.prompt('Your current password:');
        if (!current) return;
        try {
          newToken = txt((await api('token', { current_password: current }, { post: true })).token);
          showMsg('New API token made: copy it now, it is not shown again');
          load();
        } catch (e) { showError(e); }
      }, { id: 'token-rotate', class: 'btn btn-danger' })),
      el('h3', {}, 'Postback URLs'),
      el('p', { class: 'note' }, 'Give one to the affiliate network. Replace each {macro} with the network\'s own macro for that value (for example {click} → the network\'s sub-id macro where you passed the click id). Their key only posts conversions.'),
      p.legacy_postback ? el('p', { class: 'note', id: 'profile-legacy-postback' }, 'Postback URLs with your old token still work until you rotate the postback key.') : null,
      copyRow('Postback by click id', 'profile-postback', postback, 'Postback URL'),
      copyRow('With goal and lead uid', 'profile-postback-goal', withGoal, 'Postback URL'),
      copyRow('By flow + subid (no click id)', 'profile-postback-flow', byFlow, 'Postback URL'),
      el('div', { class: 'actions' }, button('Rotate postback key', async () => {
        if (!confirmAsk('Make a new postback key? Postback URLs you gave to networks stop working at once.')) return;
        try {
          await api('postback-key', {}, { post: true });
          showMsg('New postback key; update your postback URLs');
          load();
        } catch (e) { showError(e); }
      }, { id: 'postback-key-rotate', class: 'btn btn-danger' })),
      el('details', { class: 'help', open: true }, el('summary', {}, 'Postback parameters'),
        el('dl', { class: 'macros' }, PB_PARAMS.flatMap(([k, d]) => [el('dt', {}, el('code', {}, k)), el('dd', {}, d)])),
        el('p', {}, 'Spend: ', el('code', {}, location.origin + '/api/tracker/spend.json?id=TOKEN&flow=FLOW&from=YYYY-MM-DD&to=YYYY-MM-DD&cost=100'))));

    box.replaceChildren(api_, sourceLinksCard(), settings, sessionsCard());
  };

  const load = async () => {
    try { showProfile(await api('profile')); } catch (e) { showError(e); }
  };
  load();
}
