// Helpers of the dashboard browser tests (dashboard.mjs, postbacks.mjs):
// arguments, the API as seen from node, and page steps that collect
// failures with a screenshot each.
import fs from 'node:fs';
import path from 'node:path';

export const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const k of ['url', 'shots']) need(k);
/** Ends the script (exit 2) when argument --k is missing. */
export function need(k) {
  if (!args[k]) { console.error('missing --' + k); process.exit(2); }
}
export const BASE = args.url.replace(/\/+$/, '');
export const SHOTS = path.resolve(args.shots);
fs.mkdirSync(SHOTS, { recursive: true });
// Only this run's screenshots: an old fail-*.png would mislead.
for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f));

// Without the background-networking flags Chromium dials out at start and
// this machine's closed network refuses it (slow start, noisy errors).
export const LAUNCH = {
  executablePath: args.chromium || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
export const T = 15000; // wait limit for one UI step

export const failures = [];
export const log = (...a) => console.log(...a);

// ---------- API from node (the script's own view of the data) ----------

export async function apiCall(fn, params, token) {
  const u = new URL(BASE + '/api/tracker/' + fn + '.json');
  for (const [k, v] of Object.entries(params || {})) u.searchParams.set(k, String(v));
  const res = await fetch(u, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  if (res.status !== 200) throw new Error(fn + '.json answered HTTP ' + res.status);
  const d = await res.json();
  if (d.status !== 'ok') throw Object.assign(new Error(fn + '.json: ' + d.error + (d.field ? ' (' + d.field + ')' : '')), { code: d.error });
  return d;
}

// ---------- page helpers ----------

export function watch(page, name) {
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    // CSP refusals and script errors both arrive as console errors.
    if (m.type() === 'error') problems.push('console error: ' + m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push('HTTP ' + r.status() + ' ' + r.url());
  });
  page.on('dialog', (d) => d.accept());
  page.problems = problems;
  page.tag = name;
  return page;
}

export async function shot(page, file, fullPage = true) {
  const p = path.join(SHOTS, file);
  // From the top: a full-page shot of a scrolled page paints the sticky bar mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: p, fullPage });
  log('screenshot: ' + p);
  return p;
}

// One element, scrolled into view (the page's scroll is left as it is).
export async function shotOf(page, selector, file) {
  const p = path.join(SHOTS, file);
  await page.locator(selector).screenshot({ path: p });
  log('screenshot: ' + p);
  return p;
}

export async function step(page, name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    const errs = page.problems.splice(0);
    if (errs.length) throw new Error(errs.join('\n    '));
    log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures.push(name + ': ' + (e && e.message));
    log(`FAIL ${name}: ${e && e.message}`);
    page.problems.splice(0);
    try { await shot(page, 'fail-' + name.replace(/[^\w]+/g, '-') + '.png'); } catch { /* page gone */ }
  }
}

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// An error shown by the dashboard (#msg[data-error]) fails the step.
export async function noErrorShown(page) {
  const err = await page.$eval('#msg', (m) => (m.hidden ? '' : (m.dataset.error ? m.textContent : ''))).catch(() => '');
  check(!err, 'the dashboard shows an error: ' + err);
}

export async function gotoPage(page, hash, tableSel) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector(tableSel, { timeout: T });
  await noErrorShown(page);
}

export async function rowCount(page, sel) {
  return page.$$eval(sel, (rows) => rows.length);
}

export const pageText = (page) => page.$eval('#page', (m) => m.textContent);

// Selectors: a data row has a data-id; the "nothing found" row has none.
export const STATS_ROWS = '#stats-table tbody tr[data-id]';
export const LEAD_ROWS = '#leads-table tbody tr[data-id]';
export const CLICK_ROWS = '#clicks-table tbody tr[data-id]';

