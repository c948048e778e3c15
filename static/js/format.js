// Numbers, money and dates as a tracker shows them: thousands separators
// of the browser's language, money with the symbol of the user's base
// currency (profile.json), dates in the user's time zone where it matters.

export function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

let base = 'USD';
/** The user's base currency (profile.json `currency`), for money without its own. */
export function setCurrency(code) {
  const c = String(code || '').trim().toUpperCase();
  if (/^[A-Z]{3}$/.test(c)) base = c;
}
export const baseCurrency = () => base;

const cache = new Map();
function nf(key, opts) {
  let f = cache.get(key);
  if (!f) {
    try { f = new Intl.NumberFormat(undefined, opts); } catch { f = null; }
    cache.set(key, f);
  }
  return f;
}

// -0.004 reads 0.00, not -0.00
const clean = (n, digits) => (Math.abs(n) < 0.5 / 10 ** digits ? 0 : n);

export function fmtInt(v) {
  const n = Math.round(num(v));
  const f = nf('int', { maximumFractionDigits: 0 });
  return f ? f.format(n) : String(n);
}

function money(v, code, digits, most = digits) {
  const c = String(code || base).toUpperCase();
  const n = clean(num(v), most);
  const f = /^[A-Z]{3}$/.test(c)
    ? nf('m' + c + digits + most, { style: 'currency', currency: c, minimumFractionDigits: digits, maximumFractionDigits: most })
    : null;
  return f ? f.format(n) : n.toFixed(digits) + (code ? ' ' + code : '');
}

/** 1234.5 → "$1,234.50" in the base currency, or in `code` (a lead's own). */
export const fmtMoney = (v, code) => money(v, code, 2);

/** A click's cost: two decimals, more only when a cost has them ($0.09, $0.0035). */
export const fmtCost = (v, code) => money(v, code, 2, 4);

/** A percentage (CR, ROI): two decimals with separators, no sign. */
export function fmtPct(v) {
  const n = clean(num(v), 2);
  const f = nf('pct', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return f ? f.format(n) : n.toFixed(2);
}

/** Axis labels: short (12k, $1.5k) but whole where the step is whole. */
export function fmtAxis(v, isMoney, digits = 0) {
  const abs = Math.abs(v);
  if (abs >= 10000) {
    const f = nf('c' + (isMoney ? base : ''), isMoney
      ? { style: 'currency', currency: base, notation: 'compact', maximumFractionDigits: 1 }
      : { notation: 'compact', maximumFractionDigits: 1 });
    if (f) return f.format(v);
  }
  if (isMoney) return money(v, base, digits);
  const f = nf('a' + digits, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return f ? f.format(v) : v.toFixed(digits);
}

// ---------- dates ----------

const pad = (n) => String(n).padStart(2, '0');
export function isoDate(d) {
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
}
export function daysAgo(n) {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return isoDate(d);
}
export function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  return m ? new Date(+m[1], +m[2] - 1, +m[3]) : null;
}
export function fmtTime(ts) {
  if (!ts) return '';
  const d = new Date(num(ts) * 1000);
  return isoDate(d) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

/** Today's date (YYYY-MM-DD) and hour in time zone `tz` (the user's: stats days and hours use it). */
export function nowIn(tz, at = new Date()) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23',
    }).formatToParts(at);
  } catch {
    return { date: isoDate(at), hour: at.getHours() };
  }
  const get = (t) => (parts.find((p) => p.type === t) || {}).value;
  return { date: get('year') + '-' + get('month') + '-' + get('day'), hour: Number(get('hour')) % 24 };
}
