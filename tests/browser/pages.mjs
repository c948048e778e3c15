// Every page of the dashboard at desktop (1280 px) and phone (375 px)
// width, a screenshot of each, and the phone layout of the statistics
// table: its first column stays put while the rest scrolls.
import { BASE, T, watch, step, check, noErrorShown, shot, shotOf, STATS_ROWS } from './lib.mjs';

// page hash → what shows it has loaded
export const PAGES = [
  ['stats', STATS_ROWS],
  ['leads', '#leads-table tbody tr[data-id]'],
  ['clicks', '#clicks-table tbody tr[data-id]'],
  ['flows', '#flows-list article.flow'],
  ['sources', '#sources-table tbody tr[data-id]'],
  ['postbacks', '#pbout-table'],
  ['sites', '#sites-table tbody tr[data-id]'],
  ['goals', '#goals-table tbody tr[data-id]'],
  ['blacklist', '#blacklist-table tbody tr[data-ip]'],
  ['profile', '#sessions-table tbody tr.current'],
];

const VIEWPORTS = {
  1280: { viewport: { width: 1280, height: 800 } },
  375: { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

// The log-in page, then each page in a tab of that width; nothing may be
// wider than the screen (tables scroll inside their own box).
export async function everyPage(browser, width, token, timezoneId) {
  const opts = { ...VIEWPORTS[width], timezoneId, locale: 'en-US' };
  {
    const ctx = await browser.newContext(opts);
    const p = watch(await ctx.newPage(), 'login-' + width);
    await step(p, `page-login-${width}`, async () => {
      await p.goto(BASE + '/app/');
      await p.waitForSelector('#login-user', { state: 'visible', timeout: T });
      await shot(p, `page-login-${width}.png`);
    });
    await ctx.close();
  }
  const ctx = await browser.newContext(opts);
  await ctx.addInitScript((t) => sessionStorage.setItem('flowtrack.token', t), token);
  const p = watch(await ctx.newPage(), 'pages-' + width);
  await p.goto(BASE + '/app/');
  for (const [name, ready] of PAGES) {
    await step(p, `page-${name}-${width}`, async () => {
      await p.evaluate((h) => { location.hash = h; }, '#' + name);
      await p.waitForSelector(ready, { timeout: T });
      await p.waitForTimeout(150); // the chart draws on the next frame
      await noErrorShown(p);
      const wide = await p.evaluate(() => document.documentElement.scrollWidth);
      check(wide <= width, `#${name} is ${wide} px wide on a ${width} px screen`);
      // (the 100-row logs as the screen shows them, the rest whole)
      await shot(p, `page-${name}-${width}.png`, name !== 'leads' && name !== 'clicks');
    });
  }
  if (width === 375) await stickyFirstColumn(p);
  await ctx.close();
}

async function stickyFirstColumn(p) {
  await step(p, 'stats-sticky-first-column-375', async () => {
    await p.evaluate(() => { location.hash = '#stats'; });
    await p.waitForSelector(STATS_ROWS, { timeout: T });
    const before = await p.$eval('#stats-table', (t) => {
      const wrap = t.closest('.table-wrap');
      const row = t.querySelector('tbody tr[data-id]');
      return {
        scrolls: wrap.scrollWidth > wrap.clientWidth + 20,
        name: row.cells[0].getBoundingClientRect().left,
        second: row.cells[1].getBoundingClientRect().left,
        wrap: wrap.getBoundingClientRect().left,
        width: row.cells[0].getBoundingClientRect().width,
      };
    });
    check(before.scrolls, 'the stats table does not scroll sideways at 375 px');
    check(before.width < 200, `the first column takes ${before.width} px of 375`);
    await p.$eval('#stats-table', (t) => { t.closest('.table-wrap').scrollLeft = 300; });
    await p.waitForTimeout(100);
    const after = await p.$eval('#stats-table', (t) => {
      const row = t.querySelector('tbody tr[data-id]');
      const foot = t.querySelector('tfoot tr');
      return {
        name: row.cells[0].getBoundingClientRect().left,
        second: row.cells[1].getBoundingClientRect().left,
        total: foot.cells[0].getBoundingClientRect().left,
        head: t.querySelector('thead th').getBoundingClientRect().left,
        // what is painted where the first column is: the name cell, not a number under it
        top: (() => {
          const r = row.cells[0].getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + 8, r.top + r.height / 2);
          return hit ? !!hit.closest('td.name') : false;
        })(),
      };
    });
    check(after.second < before.second - 100, `the other columns did not scroll: ${before.second} → ${after.second}`);
    for (const k of ['name', 'total', 'head']) {
      check(Math.abs(after[k] - before.name) < 2, `the first column's ${k} cell moved from ${before.name} to ${after[k]}`);
    }
    check(after.top, 'a scrolled number is painted over the first column');
    await shotOf(p, '#stats-table-box', 'stats-375-scrolled.png');
    await p.$eval('#stats-table', (t) => { t.closest('.table-wrap').scrollLeft = 0; });
  });
}
