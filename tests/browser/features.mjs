// Checks of the statistics page's tracker features (dashboard.mjs runs
// them in its desktop tab): formatted numbers with the currency symbol,
// collapsed filters with removable chips, a column chooser that survives
// a reload, a chart with its own axes for leads and money, a drill-down of
// several levels with a breadcrumb, names with ids only in tooltips, and
// the demo's losing flow.
import {
  T, apiCall, step, check, noErrorShown, rowCount, shot, STATS_ROWS,
} from './lib.mjs';

const intFmt = new Intl.NumberFormat('en-US');
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const money = (v) => usd.format(Math.abs(v) < 0.005 ? 0 : Number(v));

// The stats page in its first state (the page keeps its state in memory).
async function freshStats(page) {
  await page.goto(page.url().replace(/#.*$/, '') + '#stats');
  await page.reload();
  await page.waitForSelector(STATS_ROWS, { timeout: T });
  await noErrorShown(page);
}

const totals = (page) => page.$$eval('#stats-table tfoot td[data-total]',
  (tds) => Object.fromEntries(tds.map((td) => [td.dataset.total, { text: td.textContent, value: td.dataset.value }])));

async function waitItem(page, item) {
  await page.waitForSelector(`#stats-table[data-item="${item}"] tbody tr[data-id]`, { timeout: T });
  await noErrorShown(page);
}

async function period(page) {
  return { from: await page.inputValue('#stats-from'), to: await page.inputValue('#stats-to') };
}

export async function statsFeatures(page, token) {
  await step(page, 'numbers-formatted', async () => {
    await freshStats(page);
    const t = await totals(page);
    const d = await apiCall('stats', { ...(await period(page)), item: 'date' }, token);
    check(Number(d.total.click) >= 1000, 'the demo has under 1,000 clicks in 7 days: ' + d.total.click);
    check(t.click.text === intFmt.format(d.total.click), `totals clicks "${t.click.text}", expected "${intFmt.format(d.total.click)}"`);
    check(/^\d{1,3}(,\d{3})+$/.test(t.click.text), 'no thousands separator in ' + t.click.text);
    check(t.mt.text === money(d.total.mt), `totals revenue "${t.mt.text}", expected "${money(d.total.mt)}"`);
    check(t.spend.text.startsWith('$'), 'spend without the currency symbol: ' + t.spend.text);
    // Money columns line up on the right, headers too.
    const align = await page.$$eval('#stats-table [data-key="mt"], #stats-table [data-key="profit"], #stats-table [data-key="epc"]',
      (cells) => [...new Set(cells.map((c) => getComputedStyle(c).textAlign))]);
    check(align.length === 1 && align[0] === 'right', 'money columns aligned ' + align.join(','));
    // A negative amount is red and reads -$.
    const neg = await page.$$eval('#stats-table td.neg', (tds) => tds.map((td) => [td.textContent, getComputedStyle(td).color]));
    const rows = Object.values(d.stats).filter((r) => Number(r.profit) < 0);
    check(neg.length >= rows.length, `${rows.length} days lose money, ${neg.length} red cells`);
    for (const [text, color] of neg) {
      check(/^-\$\d/.test(text) || /^-\d/.test(text), 'negative cell ' + text);
      check(color === 'rgb(220, 38, 38)', `negative ${text} has colour ${color}`);
    }
  });

  await step(page, 'filters-collapsed-chips', async () => {
    await freshStats(page);
    check(!(await page.$eval('#stats-form details.more', (d) => d.open)), 'the filter fields start open');
    check(!(await page.isVisible('#stats-f-geo')), 'the country filter field is visible while collapsed');
    check(await rowCount(page, '#stats-chips .chip') === 0, 'chips without filters');
    const p = await period(page);
    const all = await apiCall('stats', { ...p, item: 'date' }, token);
    await page.click('#stats-form details.more > summary');
    await page.fill('#stats-f-geo', 'de');
    await page.click('#stats-go');
    await page.waitForSelector('#stats-chips .chip[data-key="geo"]', { timeout: T });
    await noErrorShown(page);
    check(!(await page.$eval('#stats-form details.more', (d) => d.open)), 'the filters opened again after Show');
    const de = await apiCall('stats', { ...p, item: 'date', geo: 'de' }, token);
    // The chip shows before the filtered answer has been drawn.
    await page.waitForFunction((n) => document.querySelector('#stats-table tfoot td[data-total="click"]')?.dataset.value === String(n), de.total.click, { timeout: T }).catch(() => {});
    let t = await totals(page);
    check(Number(t.click.value) === Number(de.total.click), `with geo=de the totals show ${t.click.value}, stats.json ${de.total.click}`);
    const chip = await page.textContent('#stats-chips .chip[data-key="geo"]');
    check(/Country/.test(chip) && /de|Germany/i.test(chip), 'chip text ' + chip);
    await shot(page, 'stats-chip-1280.png', false);
    await page.click('#stats-chips .chip[data-key="geo"] button.chip-x');
    await page.waitForFunction(() => !document.querySelector('#stats-chips .chip'), null, { timeout: T });
    await page.waitForFunction((n) => document.querySelector('#stats-table tfoot td[data-total="click"]')?.dataset.value === String(n), all.total.click, { timeout: T });
    t = await totals(page);
    check(Number(t.click.value) === Number(all.total.click), `after removing the chip: ${t.click.value}, all: ${all.total.click}`);
    check((await page.inputValue('#stats-f-geo')) === '', 'the country field keeps the removed filter');
  });

  await step(page, 'column-chooser-survives-reload', async () => {
    await freshStats(page);
    check(await page.isVisible('#stats-table thead th[data-key="unique"]'), 'no Unique column to start with');
    await page.click('#stats-cols > summary');
    await page.uncheck('#stats-cols input[value="unique"]');
    await page.waitForSelector('#stats-table thead th[data-key="unique"]', { state: 'detached', timeout: T });
    await shot(page, 'stats-columns-1280.png', false);
    await page.reload();
    await page.waitForSelector(STATS_ROWS, { timeout: T });
    check(!(await page.$('#stats-table [data-key="unique"]')), 'the hidden Unique column is back after a reload');
    check(await page.evaluate(() => !!localStorage.getItem('flowtrack.cols.stats')), 'the choice is not in localStorage');
    await page.click('#stats-cols > summary');
    check(!(await page.isChecked('#stats-cols input[value="unique"]')), 'the chooser shows Unique as shown');
    await page.check('#stats-cols input[value="unique"]');
    await page.waitForSelector('#stats-table thead th[data-key="unique"]', { timeout: T });
    await page.click('#stats-cols > summary');
  });

  await step(page, 'chart-axes', async () => {
    await freshStats(page);
    await page.click('#stats-form button:text-is("30 days")');
    await page.waitForFunction(() => document.querySelector('#stats-chart')?.dataset.points === '30', null, { timeout: T });
    await page.waitForFunction(() => !!document.querySelector('#stats-chart')?.dataset.axes, null, { timeout: T });
    const axes = JSON.parse(await page.$eval('#stats-chart', (c) => c.dataset.axes));
    const of = (name) => axes.find((a) => a.series.includes(name));
    const clicks = of('Clicks');
    const leads = of('Leads');
    const rev = of('Revenue');
    check(clicks && leads && rev, 'an axis is missing: ' + JSON.stringify(axes));
    check(leads !== clicks && rev !== clicks && rev !== leads, 'leads or money share the clicks axis: ' + JSON.stringify(axes));
    check(axes.filter((a) => a.side === 'right').length >= 1, 'no second y axis: ' + JSON.stringify(axes));
    for (const a of [clicks, leads]) {
      check(a.ticks.every((v) => Number.isInteger(v)), `count axis ${a.id} has ticks ${a.ticks}`);
    }
    // The leads line fills its axis: its top tick is less than 2.5 × the highest day.
    const d = await apiCall('stats', { ...(await period(page)), item: 'date' }, token);
    const maxLeads = Math.max(...Object.values(d.stats).map((r) => Number(r.total) || 0));
    const top = Math.max(...leads.ticks);
    check(maxLeads > 0 && top < 2.5 * maxLeads && top >= maxLeads, `leads axis up to ${top}, highest day ${maxLeads}`);
    await shot(page, 'stats-chart-30d-1280.png', false);
  });

  await step(page, 'chart-today-future-hours', async () => {
    await freshStats(page);
    await page.click('#stats-form button:text-is("Today")');
    await page.waitForFunction(() => document.querySelector('#stats-chart')?.dataset.points === '24', null, { timeout: T });
    const tz = (await apiCall('profile', {}, token)).timezone || 'UTC';
    const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    const drawn = Number(await page.$eval('#stats-chart', (c) => c.dataset.drawn));
    // (an hour may turn while the page loads)
    check(drawn === hour + 1 || drawn === hour || drawn === hour + 2, `today at ${hour}h the chart draws ${drawn} of 24 hours`);
    await shot(page, 'stats-today-1280.png', false);
  });

  await step(page, 'drill-two-levels-breadcrumb', async () => {
    await freshStats(page);
    await page.selectOption('#stats-item', 'utms');
    await page.click('#stats-go');
    await waitItem(page, 'utms');
    const p = await period(page);
    const all = await apiCall('stats', { ...p, item: 'utms' }, token);
    check(!(await page.$('#stats-crumbs button.crumb')), 'a breadcrumb before any drill-down');
    await page.click(`${STATS_ROWS}[data-id="facebook"] button.drill`);
    await waitItem(page, 'utmc');
    check(await page.$('#stats-chips .chip[data-key="utm_source"]'), 'no chip for the source');
    const ids = await page.$$eval(STATS_ROWS, (rows) => rows.map((r) => r.dataset.id));
    check(ids.length && ids.every((id) => id.startsWith('facebook-')), 'campaigns of facebook: ' + ids.join(','));
    const camp = ids[0];
    await page.click(`${STATS_ROWS}[data-id="${camp}"] button.drill`);
    await waitItem(page, 'geo');
    const d = await apiCall('stats', { ...p, item: 'geo', utm_source: 'facebook', utm_campaign: camp }, token);
    let t = await totals(page);
    check(Number(t.click.value) === Number(d.total.click), `facebook / ${camp} by country: ${t.click.value}, stats.json ${d.total.click}`);
    const crumbs = await page.$$eval('#stats-crumbs .crumb', (c) => c.map((x) => x.textContent));
    check(crumbs.length === 3, 'breadcrumb ' + JSON.stringify(crumbs));
    check(crumbs[1].includes('facebook') && crumbs[2].includes(camp), 'breadcrumb ' + JSON.stringify(crumbs));
    await shot(page, 'stats-drill-1280.png', false);
    // Back one level, then to the start.
    await page.click('#stats-crumbs button.crumb >> nth=1');
    await waitItem(page, 'utmc');
    check(!(await page.$('#stats-chips .chip[data-key="utm_campaign"]')), 'the campaign filter stays after going back');
    await page.click('#stats-crumbs button.crumb >> nth=0');
    await waitItem(page, 'utms');
    t = await totals(page);
    check(Number(t.click.value) === Number(all.total.click), `back at the start: ${t.click.value}, all: ${all.total.click}`);
    check(!(await page.$('#stats-chips .chip')), 'chips left after going back to the start');
  });

  await step(page, 'names-without-ids-losing-flow', async () => {
    await freshStats(page);
    await page.click('#stats-form button:text-is("30 days")');
    await page.waitForFunction(() => document.querySelector('#stats-chart')?.dataset.points === '30', null, { timeout: T });
    await page.selectOption('#stats-item', 'flow');
    await page.click('#stats-go');
    await waitItem(page, 'flow');
    const cell = await page.$eval(`${STATS_ROWS}[data-id="demo-fb"] td.name`, (td) => ({ text: td.textContent, titles: [...td.querySelectorAll('[title]')].map((e) => e.title).join(' ') }));
    check(cell.text.includes('Facebook DACH') && !cell.text.includes('demo-fb'), 'flow cell reads ' + cell.text);
    check(cell.titles.includes('demo-fb'), 'the flow id is not in a tooltip: ' + cell.titles);
    const d = await apiCall('stats', { ...(await period(page)), item: 'flow' }, token);
    const losing = Object.values(d.stats).filter((r) => Number(r.spend) > Number(r.ma));
    check(losing.length >= 1, 'no demo flow spends more than its approved money: ' + JSON.stringify(d.stats));
    for (const r of losing) {
      const red = await page.$eval(`${STATS_ROWS}[data-id="${r.id}"] td[data-key="profit"]`, (td) => td.classList.contains('neg') && td.textContent);
      check(red && red.startsWith('-$'), `the losing flow ${r.id} has profit ${red}`);
    }
    await shot(page, 'stats-flows-1280.png', false);
  });
}

// The first columns of the leads and click log tables: what matters first.
export async function logColumns(page) {
  for (const [hash, table, want] of [
    ['#leads', '#leads-table', ['time', 'flow', 'status', 'price']],
    ['#clicks', '#clicks-table', ['time', 'flow', 'filter', 'cost']],
  ]) {
    await step(page, table.slice(1) + '-leading-columns', async () => {
      await page.evaluate((h) => { location.hash = h; }, hash);
      await page.waitForSelector(table + ' tbody tr[data-id]', { timeout: T });
      const keys = await page.$$eval(table + ' thead th', (ths) => ths.map((th) => th.dataset.key));
      check(JSON.stringify(keys.slice(0, 4)) === JSON.stringify(want), `${table} starts with ${keys.slice(0, 4)}`);
      const flow = await page.$eval(table + ' tbody tr[data-id] td[data-key="flow"]', (td) => ({ text: td.textContent, title: td.querySelector('[title]')?.title || '' }));
      check(!/^demo-/.test(flow.text) && /demo-/.test(flow.title), `flow cell "${flow.text}" (tooltip "${flow.title}")`);
      const money = await page.$eval(table + ` tbody tr[data-id] td[data-key="${want[3]}"]`, (td) => [td.textContent, getComputedStyle(td).textAlign]);
      check(/^-?[$€]\d/.test(money[0]) && money[1] === 'right', `money cell "${money[0]}" aligned ${money[1]}`);
    });
  }
}

// The profile's base currency is the one the statistics show.
export async function currencyFromProfile(page) {
  await step(page, 'currency-from-profile', async () => {
    const set = async (code) => {
      await page.evaluate(() => { location.hash = '#profile'; });
      await page.waitForSelector('#profile-currency', { timeout: T });
      await page.fill('#profile-currency', code);
      const saved = page.waitForResponse((r) => r.url().includes('/profile.json') && r.request().method() === 'POST', { timeout: T });
      await page.click('#profile-form button[type="submit"]');
      await saved;
      await page.waitForSelector('#msg.msg-ok', { timeout: T });
    };
    await set('eur');
    await page.evaluate(() => { location.hash = '#stats'; });
    await page.waitForFunction(() => /€/.test(document.querySelector('#stats-table tfoot td[data-total="mt"]')?.textContent || ''), null, { timeout: T });
    await set('usd');
    await page.evaluate(() => { location.hash = '#stats'; });
    await page.waitForFunction(() => /^\$/.test(document.querySelector('#stats-table tfoot td[data-total="mt"]')?.textContent || ''), null, { timeout: T });
  });
}
