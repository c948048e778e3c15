// The offers behind a landing page (docs/API.md "Landing pages"): their
// editor in a way row of the flow editor, shown while the way's target is
// a landing page, and their list under the way in the flow list.
import { el, txt, num, options, button } from './util.js';

export const isLanding = (sites, id) => sites.some((s) => num(s.id) === num(id) && txt(s.kind) === 'landing');

function offerRow(o, sites, list) {
  const opts = sites.filter((s) => txt(s.kind) !== 'landing').map((s) => [num(s.id), txt(s.name) + ' #' + s.id]);
  if (o && !opts.some(([id]) => id === num(o.site))) opts.push([num(o.site), 'site #' + o.site + ' (archived)']);
  const row = el('div', { class: 'offer-row' },
    el('select', { class: 'offer-site', 'aria-label': 'Offer' }, options(opts, o ? num(o.site) : (opts[0] || [''])[0])),
    el('input', {
      class: 'offer-weight', type: 'number', min: 0, step: 1, value: o && o.weight != null ? num(o.weight) : 1,
      title: 'Weight: how often this offer is the visitor\'s', 'aria-label': 'Offer weight',
    }),
    button('×', () => row.remove(), { class: 'btn btn-small btn-danger offer-remove', title: 'Remove this offer', 'aria-label': 'Remove offer' }));
  list.appendChild(row);
}

/** The offers editor of a way row, shown while `select` names a landing page (`s:ID`). */
export function offersEditor(w, sites, select) {
  const list = el('div', { class: 'offer-list' });
  (w && Array.isArray(w.offers) ? w.offers : []).forEach((o) => offerRow(o, sites, list));
  const box = el('div', { class: 'way-offers' },
    el('small', { class: 'hint' }, 'Offers behind the landing page; its n-th link: {lpclick}/n'),
    list,
    button('+ Offer', () => offerRow(null, sites, list), { class: 'btn btn-small offer-add' }));
  const sync = () => {
    const v = select.value;
    box.hidden = !(v.startsWith('s:') && isLanding(sites, v.slice(2)));
    if (!box.hidden && !list.children.length) offerRow(null, sites, list);
  };
  select.addEventListener('change', sync);
  sync();
  return box;
}

/** A way row's offers for flow.json; undefined when its target is not a landing page. */
export function readOffers(tr) {
  const box = tr.querySelector('.way-offers');
  if (!box || box.hidden) return undefined;
  return [...box.querySelectorAll('.offer-row')].map((r) => {
    const weight = r.querySelector('.offer-weight').value.trim();
    return { site: num(r.querySelector('.offer-site').value), weight: weight === '' ? 1 : num(weight) };
  });
}

/** "→ Offer A (3), Offer B (1)" under a way to a landing page in the flow list. */
export function offersText(w, sites, label) {
  const list = Array.isArray(w.offers) ? w.offers : [];
  if (!list.length) return null;
  return el('div', { class: 'muted way-offer-list' },
    '→ ' + list.map((o) => label(sites, o.site) + ' (' + num(o.weight) + ')').join(', '));
}
