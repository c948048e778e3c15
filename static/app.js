// flowtrack dashboard entry: log-in, log-out, hash router, nav bar.
import { el, api, getToken, setToken, clearToken, showError, showMsg, clearMsg, invalidateRefs } from './js/util.js';
import { render as renderStats } from './js/stats.js';
import { renderLeads, renderClicks } from './js/logs.js';
import { renderFlows } from './js/flows.js';
import { renderSources } from './js/sources.js';
import { renderPostbacks } from './js/postbacks.js';
import { renderSites, renderGoals, renderBlacklist, renderProfile } from './js/admin.js';

const PAGES = {
  stats: ['Statistics', renderStats],
  leads: ['Leads', renderLeads],
  clicks: ['Click log', renderClicks],
  flows: ['Flows', renderFlows],
  sources: ['Traffic sources', renderSources],
  postbacks: ['Postbacks', renderPostbacks],
  sites: ['Sites', renderSites],
  goals: ['Goals', renderGoals],
  blacklist: ['Blacklist', renderBlacklist],
  profile: ['Profile', renderProfile],
};

const $ = (id) => document.getElementById(id);

function setNavOpen(open) {
  $('nav').classList.toggle('open', open);
  $('nav-toggle').setAttribute('aria-expanded', String(open));
}

function showLogin() {
  document.body.classList.remove('authed');
  $('topbar').hidden = true;
  $('page').hidden = true;
  $('page').replaceChildren();
  $('login-page').hidden = false;
  document.title = 'Log in — flowtrack';
  invalidateRefs();
  setTimeout(() => $('login-user').focus(), 0);
}

function route() {
  if (!getToken()) { showLogin(); return; }
  document.body.classList.add('authed');
  $('login-page').hidden = true;
  $('topbar').hidden = false;
  $('page').hidden = false;
  let name = location.hash.replace(/^#\/?/, '').split(/[/?&]/)[0];
  if (!PAGES[name]) name = 'stats';
  const [title, render] = PAGES[name];
  document.title = title + ' — flowtrack';
  for (const a of $('nav').querySelectorAll('a[data-page]')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  setNavOpen(false);
  if ($('msg').classList.contains('msg-error')) clearMsg();
  const root = el('div', { class: 'page', id: 'page-' + name });
  $('page').replaceChildren(root);
  window.scrollTo(0, 0);
  try { render(root); } catch (e) { showError(e); }
}

async function login(e) {
  e.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  const btn = $('login-submit');
  btn.disabled = true;
  try {
    const d = await api('login', { user, password }, { post: true, auth: false });
    if (!d.token) throw Object.assign(new Error('no token in the answer'), { code: 'bad-answer' });
    setToken(d.token);
    $('login-password').value = '';
    clearMsg();
    route();
  } catch (err) {
    const hint = err.code === 'access' ? 'wrong user name or password'
      : err.code === 'slow-down' ? 'too many failed log-ins: try again in ' + (err.retryAfter || 10) + ' s' : undefined;
    showError(err, hint);
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  // Ends the session on the server too; an ended one is fine to leave.
  try { await api('logout', {}, { post: true, auth: 'quiet' }); } catch { /* already ended */ }
  clearToken();
  showLogin();
  showMsg('Logged out');
}

function init() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('nav-toggle').addEventListener('click', () => setNavOpen(!$('nav').classList.contains('open')));
  $('nav').addEventListener('click', (e) => { if (e.target.closest('a')) setNavOpen(false); });
  window.addEventListener('hashchange', route);
  window.addEventListener('ft-logout', () => {
    showLogin();
    showMsg('Your session has ended (access). Please log in again.', 'error');
    $('msg').dataset.error = 'access';
  });
  route();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
