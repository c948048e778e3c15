// The profile's list of dashboard sessions (sessions.json), each with a
// button that ends it (session-delete.json). Ending this tab's own session
// logs the tab out at the next call, like any ended session.
import { el, txt, api, button, showError, showMsg, confirmAsk, fmtTime } from './util.js';

export function sessionsCard() {
  const box = el('div', { id: 'sessions-box' }, el('p', { class: 'loading' }, 'Loading…'));
  const load = async () => {
    let list;
    try { list = (await api('sessions')).sessions; } catch (e) { showError(e); return; }
    if (!Array.isArray(list)) list = [];
    const row = (s) => el('tr', { 'data-id': txt(s.id), class: s.current ? 'current' : null },
      el('td', { class: 'nowrap' }, fmtTime(s.created)),
      el('td', { class: 'nowrap' }, fmtTime(s.last_used)),
      el('td', { class: 'mono' }, txt(s.ip)),
      el('td', { class: 'ua' }, el('span', { class: 'wrap' }, txt(s.ua))),
      el('td', {}, s.current ? 'this tab' : ''),
      el('td', { class: 'actions nowrap' }, button('End', async () => {
        if (s.current && !confirmAsk('End this session? You will have to log in again.')) return;
        try {
          await api('session-delete', { session: s.id }, { post: true });
          showMsg('Session ended');
          load();
        } catch (e) { showError(e); }
      }, { class: 'btn btn-small', 'data-action': 'end' })));
    box.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { id: 'sessions-table', class: 'data' },
      el('thead', {}, el('tr', {}, ...['Logged in', 'Last used', 'IP', 'Browser', '', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, list.map(row)))));
  };
  load();
  return el('section', { class: 'card', id: 'sessions-card' },
    el('h2', {}, 'Sessions'),
    el('p', { class: 'note' }, 'Where you are logged in. A session ends after a day without use, 30 days after its log-in, when you log out, or when the password changes (except the session that changed it).'),
    box);
}
