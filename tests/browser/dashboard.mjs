// Browser test of the flowtrack dashboard (SPEC 6) in headless Chromium,
// started by tests/it/browser.rs on an app filled by `flowtrack demo`. The
// statistics features are checked in features.mjs, every page at both
// widths in pages.mjs.
//
//   node dashboard.mjs --url http://127.0.0.1:PORT --user demo --password PW \
//     --shots DIR [--chromium /usr/bin/chromium]
//
// Exit 0: every check passed. Exit 1: a check failed (all failures are
// listed, each with a screenshot fail-*.png). Exit 2: bad arguments/timeout.
import { chromium } from 'playwright-core';
import {
  args, need, BASE, SHOTS, LAUNCH, T, failures, log, apiCall, watch, shot, step, check,
  noErrorShown, gotoPage, rowCount, pageText, STATS_ROWS, LEAD_ROWS, CLICK_ROWS,
} from './lib.mjs';
import { statsFeatures, logColumns, currencyFromProfile } from './features.mjs';
import { everyPage } from './pages.mjs';
import { sourcesPage } from './sources.mjs';
import { landingPages } from './landings.mjs';

need('user');
need('password');

const XSS_IMG = '<img src=x onerror="window.__xss=1">';
const XSS_SVG = '<svg onload=window.__xss=3>';
const watchdog = setTimeout(() => { console.error('FAIL: timeout: the browser test took over 200 s'); process.exit(2); }, 200000);

// ---------- main ----------

const browser = await chromium.launch(LAUNCH);
log('chromium ' + browser.version());

let token = '';
let timezoneId = 'UTC';
try {
  token = (await apiCall('login', { user: args.user, password: args.password })).token;
  timezoneId = (await apiCall('profile', {}, token)).timezone || 'UTC';
  // The dashboard's default dates are the browser's local days; run the
  // browser in the user's zone so they are the user's statistics days.
  log('user ' + args.user + ', timezone ' + timezoneId);
} catch (e) {
  console.error('FAIL: setup through the API: ' + e.message);
  process.exit(1);
}

// ----- 1. first load, measured in cold contexts (no HTTP cache) -----
const figures = {};
{
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId });
  const page = watch(await ctx.newPage(), 'login');
  await step(page, 'login', async () => {
    await page.goto(BASE + '/app/', { waitUntil: 'load' });
    await page.waitForSelector('#login-user', { state: 'visible', timeout: T });
    figures.loginFormMs = await page.evaluate(() => Math.round(performance.now()));
    await page.fill('#login-user', args.user);
    await page.fill('#login-password', args.password);
    const t0 = await page.evaluate(() => performance.now());
    await page.click('#login-submit');
    await page.waitForSelector(STATS_ROWS, { timeout: T });
    figures.loginToStatsMs = Math.round(await page.evaluate((t) => performance.now() - t, t0));
    check(await page.evaluate(() => !!sessionStorage.getItem('flowtrack.token')), 'no token kept after log-in');
    await noErrorShown(page);
  });
  await ctx.close();
}
{
  // A returning user in the same tab: the token is in sessionStorage, the
  // page loads and goes straight to statistics.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId });
  await ctx.addInitScript((t) => sessionStorage.setItem('flowtrack.token', t), token);
  const page = watch(await ctx.newPage(), 'first-load');
  await step(page, 'first-load', async () => {
    await page.goto(BASE + '/app/', { waitUntil: 'commit' });
    await page.waitForSelector(STATS_ROWS, { timeout: T });
    figures.navToStatsRowsMs = await page.evaluate(() => Math.round(performance.now()));
    await page.waitForLoadState('load');
    const net = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      const assets = res.filter((r) => !r.name.includes('/api/'));
      const apis = res.filter((r) => r.name.includes('/api/'));
      const sum = (list, k) => list.reduce((a, r) => a + (r[k] || 0), 0);
      return {
        files: 1 + assets.length,
        transfer: nav.transferSize + sum(assets, 'transferSize'),
        body: nav.decodedBodySize + sum(assets, 'decodedBodySize'),
        apiCalls: apis.length,
        apiTransfer: sum(apis, 'transferSize'),
        domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
      };
    });
    Object.assign(figures, net);
  });
  await ctx.close();
}
log('FIGURE first load: page + assets ' + figures.files + ' files, ' + figures.transfer + ' bytes transferred ('
  + figures.body + ' bytes uncompressed); API ' + figures.apiCalls + ' calls, ' + figures.apiTransfer + ' bytes');
log('FIGURE first load: DOMContentLoaded ' + figures.domContentLoadedMs + ' ms; navigation → stats table rows '
  + figures.navToStatsRowsMs + ' ms (token in the tab); log-in form ' + figures.loginFormMs
  + ' ms; log-in click → stats rows ' + figures.loginToStatsMs + ' ms');

// ----- 2. the pages, with the app's CSP in force -----
// (en-US: the checks compare numbers formatted as 1,234 and $1,234.56)
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId, locale: 'en-US' });
const page = watch(await ctx.newPage(), 'main');
await page.goto(BASE + '/app/');
await page.waitForSelector('#login-user', { state: 'visible', timeout: T });
await page.fill('#login-user', args.user);
await page.fill('#login-password', args.password);
await page.click('#login-submit');

await step(page, 'stats-totals', async () => {
  await page.waitForSelector(STATS_ROWS, { timeout: T });
  await page.waitForSelector('#stats-chart', { timeout: T });
  const from = await page.inputValue('#stats-from');
  const to = await page.inputValue('#stats-to');
  const item = await page.inputValue('#stats-item');
  const shown = await page.$$eval('#stats-table tfoot td[data-total]', (tds) => Object.fromEntries(tds.map((td) => [td.dataset.total, td.dataset.value])));
  const d = await apiCall('stats', { from, to, item }, token);
  log(`stats ${item} ${from}..${to}: click ${d.total.click}, unique ${d.total.unique}, leads ${d.total.total}, approved ${d.total.ca}, revenue ${d.total.mt}`);
  check(Number(d.total.click) > 0, 'stats.json total.click is 0 for the default period of a demo database');
  for (const k of ['click', 'unique', 'total', 'ca']) {
    check(shown[k] !== undefined && shown[k] !== '', `totals row has no ${k}`);
    check(Number(shown[k]) === Number(d.total[k]), `totals row ${k} = ${shown[k]}, stats.json total.${k} = ${d.total[k]}`);
  }
  check(Math.abs(Number(shown.mt) - Number(d.total.mt)) < 0.005, `totals row mt = ${shown.mt}, stats.json total.mt = ${d.total.mt}`);
  // One table row per day of the period, as stats.json groups them.
  const points = await page.$eval('#stats-chart', (c) => c.dataset.points);
  check(points === '7', `the chart of 7 days has ${points} points`);
  const rows = await rowCount(page, STATS_ROWS);
  check(rows === Object.keys(d.stats).length, `${rows} table rows, stats.json has ${Object.keys(d.stats).length} groups`);
  const cells = await page.$eval('#stats-table tfoot td[data-total="click"]', (td) => td.textContent);
  const formatted = new Intl.NumberFormat('en-US').format(d.total.click);
  check(cells === formatted, `totals click cell shows "${cells}", not ${formatted}`);
  await shot(page, 'stats-1280.png');
});

await step(page, 'stats-drill-and-goals', async () => {
  // A date's name opens that day by hour; its totals are that day's.
  const day = await page.$eval(STATS_ROWS, (tr) => tr.dataset.id);
  await page.click(STATS_ROWS + ' button.drill');
  await page.waitForSelector('#stats-table[data-item="hour"] tbody tr[data-id]', { timeout: T });
  const from = await page.inputValue('#stats-from');
  check(from === day.replace(/^(\d{4})-?(\d{2})-?(\d{2})$/, '$1-$2-$3') && from === await page.inputValue('#stats-to'), `drill into ${day} shows ${from}`);
  const d = await apiCall('stats', { from, to: from, item: 'hour' }, token);
  const shown = await page.$eval('#stats-table tfoot td[data-total="click"]', (td) => td.dataset.value);
  check(Number(shown) === Number(d.total.click), `hour totals ${shown}, stats.json ${d.total.click}`);
  const points = await page.$eval('#stats-chart', (c) => c.dataset.points);
  check(points === '24', `the chart of one day has ${points} points, not one per hour`);
  // ▸ on the totals row shows one row per goal.
  const goals = Object.keys(d.total.goal || {});
  if (goals.length) {
    await page.click('#stats-table tfoot button.expander');
    const n = await rowCount(page, '#stats-table tfoot tr.goal-row');
    check(n === goals.length, `${n} goal rows under the total, stats.json has ${goals.length} goals`);
  }
  await noErrorShown(page);
  await shot(page, 'stats-hour-1280.png');
});

await step(page, 'stats-geo', async () => {
  await page.click('#stats-form button:text-is("7 days")');
  await page.waitForSelector('#stats-table[data-item="hour"] tbody tr[data-id]', { timeout: T });
  await page.selectOption('#stats-item', 'geo');
  await page.click('#stats-go');
  await page.waitForSelector('#stats-table[data-item="geo"] tbody tr[data-id]', { timeout: T });
  const n = await rowCount(page, STATS_ROWS);
  check(n > 1, `geo table has ${n} rows`);
  const ids = await page.$$eval(STATS_ROWS, (rows) => rows.map((r) => r.dataset.id));
  check(ids.includes('de'), 'geo table has no row "de" (demo-fb sends to de/at/ch): ' + ids.join(','));
  await noErrorShown(page);
  await shot(page, 'stats-geo-1280.png');
});

await statsFeatures(page, token);

const flowName = 'Browser test ' + Date.now().toString(36);
const flowUrl = 'https://offer.example/browser-test?click={click}';
await step(page, 'flow-create', async () => {
  await gotoPage(page, '#flows', '#flows-list article.flow');
  await page.click('#flow-new');
  await page.waitForSelector('#flow-form', { timeout: T });
  await page.fill('#flow-name', flowName);
  await page.click('#flow-way-add');
  const last = page.locator('#flow-ways tr.way-row').last();
  await last.locator('.way-target').selectOption('u:');
  await last.locator('.way-url').fill(flowUrl);
  await shot(page, 'flow-editor-1280.png', false);
  await page.click('#flow-save');
  await page.waitForSelector(`#flows-list article.flow h2:text("${flowName}")`, { timeout: T });
  await noErrorShown(page);
  const d = await apiCall('flows', {}, token);
  const f = (d.flows || []).find((x) => x.name === flowName);
  check(f, 'flows.json has no flow named ' + flowName);
  const urls = (f.ways || []).map((w) => w.url).filter(Boolean);
  check(urls.includes(flowUrl), 'the new flow has no way with ' + flowUrl + ': ' + JSON.stringify(f.ways));
  check((f.ways || []).length === 2, 'the new flow has ' + (f.ways || []).length + ' ways, the form had 2');
  await shot(page, 'flows-1280.png');
});

await sourcesPage(page, token, flowName);
await landingPages(page, token);

await step(page, 'leads', async () => {
  await gotoPage(page, '#leads', '#leads-table');
  const n = await rowCount(page, LEAD_ROWS);
  check(n > 0, 'leads table has no rows for the last 7 days of a demo database');
  await shot(page, 'leads-1280.png', false);
});

await step(page, 'clicks', async () => {
  await gotoPage(page, '#clicks', '#clicks-table');
  const n = await rowCount(page, CLICK_ROWS);
  check(n === 100, `click log shows ${n} rows, a page is 100`);
  await shot(page, 'clicks-1280.png', false);
});

await logColumns(page);

await step(page, 'profile', async () => {
  await gotoPage(page, '#profile', '#profile-token');
  // The API token is stored only hashed: the profile offers a new one
  // instead of showing it; the postback URLs carry the postback key.
  check((await page.inputValue('#profile-token')) === '', 'profile shows an API token it cannot know');
  const key = (await apiCall('profile', {}, token)).postback_key;
  const pb = await page.inputValue('#profile-postback');
  check(key && pb.includes('postback.json?id=' + key), 'postback URL without the postback key: ' + pb);
  // A network needs the click id, the status and the payout in one URL.
  for (const m of ['click={click}', 'status={status}', 'price={price}', 'currency={currency}']) {
    check(pb.includes(m), 'the postback URL lacks ' + m + ': ' + pb);
  }
  // This tab's session is listed; a new password needs the current one.
  await page.waitForSelector('#sessions-table tbody tr.current', { timeout: T });
  check(await page.isVisible('#profile-password-current'), 'no current-password field');
  await shot(page, 'profile-1280.png');
});

await step(page, 'sites-goals-blacklist', async () => {
  await gotoPage(page, '#sites', '#sites-table tbody tr[data-id]');
  await shot(page, 'sites-1280.png');
  await gotoPage(page, '#goals', '#goals-table tbody tr[data-id]');
  await shot(page, 'goals-1280.png', false);
  await gotoPage(page, '#blacklist', '#blacklist-table tbody tr[data-ip]');
  await shot(page, 'blacklist-1280.png', false);
});

await currencyFromProfile(page);

await step(page, 'logout', async () => {
  const own = await page.evaluate(() => sessionStorage.getItem('flowtrack.token'));
  await page.click('#logout');
  await page.waitForSelector('#login-user', { state: 'visible', timeout: T });
  check(!(await page.evaluate(() => sessionStorage.getItem('flowtrack.token'))), 'the tab kept its session after log-out');
  let code = 'ok';
  try { await apiCall('goals', {}, own); } catch (e) { code = e.code; }
  check(code === 'access', 'the session still works after log-out: ' + code);
});

// Phone width: the stats page at 375 px.
{
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId });
  await phone.addInitScript((t) => sessionStorage.setItem('flowtrack.token', t), token);
  const p = watch(await phone.newPage(), 'phone');
  await step(p, 'stats-phone', async () => {
    await p.goto(BASE + '/app/#stats');
    await p.waitForSelector(STATS_ROWS, { timeout: T });
    await p.waitForSelector('#stats-chart', { timeout: T });
    // Nothing but the table (which scrolls inside its box) may be wider than the screen.
    const wide = await p.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 375, `the page is ${wide} px wide on a 375 px screen`);
    check(!(await p.isVisible('#nav')), 'the nav is open on a phone before tapping the menu');
    await shot(p, 'stats-375.png');
    await p.click('#nav-toggle');
    check(await p.isVisible('#nav a[data-page="clicks"]'), 'the menu does not open');
    await shot(p, 'stats-375-menu.png', false);
  });
  await phone.close();
}

// Every page at both widths, with a screenshot each.
await everyPage(browser, 1280, token, timezoneId);
await everyPage(browser, 375, token, timezoneId);

// ----- 3. XSS: hostile values from clicks and leads stay text -----
// Run with CSP bypassed so the check is of the DOM code itself, not only
// of the Content-Security-Policy that would also stop inline handlers.
{
  const xctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId, bypassCSP: true });
  await xctx.addInitScript((t) => sessionStorage.setItem('flowtrack.token', t), token);
  const x = watch(await xctx.newPage(), 'xss');
  const noInjection = async (where) => {
    await x.waitForTimeout(300); // let onerror/onload fire if anything was injected
    const s = await x.evaluate(() => ({
      flag: typeof window.__xss === 'undefined' ? 'undefined' : String(window.__xss),
      img: document.querySelectorAll('img[src="x"]').length,
      svg: document.querySelectorAll('#page svg').length,
      script: [...document.scripts].filter((sc) => sc.textContent.includes('__xss')).length,
    }));
    check(s.flag === 'undefined', `${where}: window.__xss = ${s.flag}`);
    check(!s.img && !s.svg && !s.script, `${where}: injected elements img=${s.img} svg=${s.svg} script=${s.script}`);
  };
  await step(x, 'xss-click-log', async () => {
    await x.goto(BASE + '/app/#clicks');
    await x.waitForSelector(CLICK_ROWS, { timeout: T });
    await x.fill('#clicks-f-subid', 'xss-probe');
    await x.click('#clicks-go');
    await x.waitForFunction(() => document.querySelectorAll('#clicks-table tbody tr[data-id]').length === 1, null, { timeout: T });
    const text = await pageText(x);
    check(text.includes(XSS_IMG), 'the click log does not show the utm_source text ' + XSS_IMG);
    check(text.includes('<script>window.__xss=2</script>'), 'the click log does not show the User-Agent/referer text');
    await noInjection('click log');
    await shot(x, 'xss-clicks.png', false);
  });
  await step(x, 'xss-stats-utms', async () => {
    await x.evaluate(() => { location.hash = '#stats'; });
    await x.waitForSelector(STATS_ROWS, { timeout: T });
    await x.selectOption('#stats-item', 'utms');
    await x.click('#stats-go');
    await x.waitForSelector('#stats-table[data-item="utms"] tbody tr[data-id]', { timeout: T });
    check((await pageText(x)).includes('<img src=x'), 'stats by UTM Source do not show the text <img src=x');
    await noInjection('stats utms');
    await shot(x, 'xss-stats-utms.png');
  });
  await step(x, 'xss-leads', async () => {
    await x.evaluate(() => { location.hash = '#leads'; });
    await x.waitForSelector('#leads-table', { timeout: T });
    await x.fill('#leads-f-subid', 'xss-probe');
    await x.click('#leads-go');
    await x.waitForFunction(() => document.querySelectorAll('#leads-table tbody tr[data-id]').length >= 1, null, { timeout: T });
    check((await pageText(x)).includes(XSS_SVG), 'the leads page does not show the name text ' + XSS_SVG);
    await noInjection('leads');
    await shot(x, 'xss-leads.png');
  });
  await xctx.close();
}

await ctx.close();
await browser.close();
clearTimeout(watchdog);
if (failures.length) {
  console.log(`\n${failures.length} browser check(s) failed:\n- ` + failures.join('\n- '));
  process.exit(1);
}
console.log('\nall browser checks passed; screenshots in ' + SHOTS);
