// Landing pages in the dashboard (docs/API.md "Landing pages"), a step of
// dashboard.mjs on the demo database (which has a landing page in front
// of an offer): the site's kind, the offers editor of a way to a landing
// page, and the LP clicks / LP CTR columns of the statistics table.
import { T, apiCall, step, check, noErrorShown, gotoPage, shot } from './lib.mjs';

export async function landingPages(page, token) {
  await step(page, 'landing-pages', async () => {
    // A new landing page through the site form.
    await gotoPage(page, '#sites', '#sites-table tbody tr[data-id]');
    const kinds = await page.$$eval('#sites-table td.site-kind', (tds) => tds.map((td) => td.textContent));
    check(kinds.includes('landing page'), 'the demo landing page is not shown as one: ' + kinds.join(', '));
    const name = 'Browser landing ' + Date.now().toString(36);
    await page.fill('#site-name', name);
    await page.fill('#site-url', 'https://lp.example/story?go={lpclick}');
    await page.selectOption('#site-kind', 'landing');
    await page.click('#site-save');
    await page.waitForSelector(`#sites-table td.name-col:text("${name}")`, { timeout: T });
    await noErrorShown(page);
    const sites = (await apiCall('sites', {}, token)).sites;
    const lp = sites.find((s) => s.name === name);
    check(lp && lp.kind === 'landing', 'sites.json: ' + JSON.stringify(lp));
    const offers = sites.filter((s) => s.kind === 'offer').slice(0, 2);
    check(offers.length === 2, 'the demo has two offers');

    // A flow whose way goes to it, with two offers behind it.
    await gotoPage(page, '#flows', '#flows-list article.flow');
    await page.click('#flow-new');
    await page.waitForSelector('#flow-form', { timeout: T });
    const flowName = 'Funnel ' + Date.now().toString(36);
    await page.fill('#flow-name', flowName);
    const way = page.locator('#flow-ways tr.way-row').first();
    check(await way.locator('.way-offers').isHidden(), 'offers shown for a way to an offer');
    await way.locator('.way-target').selectOption('s:' + lp.id);
    await way.locator('.way-offers').waitFor({ state: 'visible', timeout: T });
    await way.locator('.offer-row .offer-site').first().selectOption(String(offers[0].id));
    await way.locator('.offer-row .offer-weight').first().fill('3');
    await way.locator('.offer-add').click();
    await way.locator('.offer-row .offer-site').nth(1).selectOption(String(offers[1].id));
    await shot(page, 'flow-offers-1280.png', false);
    await page.click('#flow-save');
    await page.waitForSelector(`#flows-list article.flow h2:text("${flowName}")`, { timeout: T });
    await noErrorShown(page);
    const f = (await apiCall('flows', {}, token)).flows.find((x) => x.name === flowName);
    check(f, 'flows.json has no flow named ' + flowName);
    const want = [{ site: offers[0].id, weight: 3 }, { site: offers[1].id, weight: 1 }];
    check(JSON.stringify(f.ways[0].offers) === JSON.stringify(want), 'offers saved: ' + JSON.stringify(f.ways[0].offers));
    const listed = await page.textContent(`#flows-list article.flow[data-flow="${f.flow}"] .way-offer-list`);
    check(listed.includes(offers[0].name + ' (3)'), 'the flow list shows ' + listed);

    // LP clicks and LP CTR in the statistics table, as stats.json has them.
    await gotoPage(page, '#stats', '#stats-table tbody tr[data-id]');
    await page.waitForSelector('#stats-table thead th[data-key="lpctr"]', { timeout: T });
    const from = await page.inputValue('#stats-from');
    const to = await page.inputValue('#stats-to');
    const item = await page.inputValue('#stats-item');
    const d = await apiCall('stats', { from, to, item }, token);
    const shown = await page.$eval('#stats-table tfoot td[data-total="lpclick"]', (td) => td.dataset.value);
    check(Number(d.total.lpclick) > 0, 'the demo has landing clicks this week');
    check(Number(shown) === Number(d.total.lpclick), `LP clicks total ${shown}, stats.json ${d.total.lpclick}`);
  });
}
