// A column chooser for a table, remembered per browser (localStorage):
// a "Columns" menu of checkboxes. Columns marked `off` are hidden until
// chosen; `fixed` ones are always shown.
import { el, button } from './util.js';

function load(key) {
  try {
    const v = JSON.parse(localStorage.getItem(key) || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch { return {}; }
}

/** columnChooser('stats-cols', 'flowtrack.cols.stats', cols, redraw) → {node, visible()}. */
export function columnChooser(id, storeKey, cols, onChange) {
  let choice = load(storeKey);
  const shown = (c) => c.fixed || (typeof choice[c.k] === 'boolean' ? choice[c.k] : !c.off);
  const save = () => {
    try { localStorage.setItem(storeKey, JSON.stringify(choice)); } catch { /* private mode: this page only */ }
  };
  const boxes = cols.filter((c) => !c.fixed).map((c) => el('input', {
    type: 'checkbox', value: c.k, checked: shown(c),
    onchange: (e) => { choice[c.k] = e.target.checked; save(); onChange(); },
  }));
  const items = boxes.map((box, i) => {
    const c = cols.filter((x) => !x.fixed)[i];
    return el('label', { class: 'check', title: c.title || null }, box, c.label);
  });
  const reset = button('Default columns', () => {
    choice = {};
    save();
    boxes.forEach((b, i) => { b.checked = shown(cols.filter((x) => !x.fixed)[i]); });
    onChange();
  }, { class: 'btn btn-small' });
  const node = el('details', { id, class: 'col-chooser' },
    el('summary', { class: 'btn btn-small', title: 'Choose the columns (kept in this browser)' }, 'Columns'),
    el('div', { class: 'col-menu' }, el('div', { class: 'col-list' }, items), reset));
  return { node, visible: () => cols.filter(shown) };
}

// A click outside an open menu closes it.
document.addEventListener('click', (e) => {
  for (const d of document.querySelectorAll('details.col-chooser[open]')) {
    if (!d.contains(e.target)) d.open = false;
  }
});
