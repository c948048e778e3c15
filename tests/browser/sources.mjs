// Traffic sources in the dashboard: a source made from the Google Ads
// template on the Sources page, named on a flow in the flow editor, and
// the flow card's tracking link with the source's macros and its copy
// button, and the profile's link shape of each source (docs/API.md
// sources.json, flows.json `link`).
import { T, apiCall, step, check, gotoPage, shot, noErrorShown } from './lib.mjs';

export async function sourcesPage(page, token, flowName) {
  const name = 'Google browser ' + Date.now().toString(36);
  let id = 0;
  await step(page, 'sources-create', async () => {
    await gotoPage(page, '#sources', '#sources-table');
    await page.click('#source-new');
    await page.waitForSelector('#source-form', { timeout: T });
    await page.selectOption('#source-template', 'google');
    check((await page.inputValue('#source-click-param')) === 'gclid', 'the Google template did not fill the click id parameter');
    check(await page.isVisible('#source-docs a[href^="https://support.google.com/"]'), 'no documentation link of the template');
    const rows = await page.$$eval('#source-params tr.src-param', (r) => r.length);
    check(rows >= 4, 'the template filled ' + rows + ' parameters');
    await page.fill('#source-name', name);
    await page.selectOption('#source-cost-model', 'cpc');
    await page.fill('#source-cpc', '0.4');
    await shot(page, 'source-editor-1280.png', false);
    await page.click('#source-save');
    await page.waitForSelector(`#sources-table tbody tr[data-id] td:text("${name}")`, { timeout: T });
    await noErrorShown(page);
    const s = (await apiCall('sources', {}, token)).sources.find((x) => x.name === name);
    check(s, 'sources.json has no source named ' + name);
    check(s.template === 'google' && s.click_param === 'gclid' && s.cost_model === 'cpc' && s.cpc === 0.4,
      'the saved source is not the form: ' + JSON.stringify(s));
    id = s.id;
    await shot(page, 'sources-1280.png');
  });

  await step(page, 'flow-source-link', async () => {
    await gotoPage(page, '#flows', '#flows-list article.flow');
    const card = page.locator('#flows-list article.flow', { has: page.locator(`h2:text("${flowName}")`) });
    await card.locator('[data-action="edit"]').click();
    await page.waitForSelector('#flow-source', { timeout: T });
    await page.selectOption('#flow-source', String(id));
    await page.click('#flow-save');
    await page.waitForSelector('#flow-form', { state: 'detached', timeout: T });
    await noErrorShown(page);
    const f = (await apiCall('flows', {}, token)).flows.find((x) => x.name === flowName);
    check(f && f.source === id, 'the flow did not get source ' + id + ': ' + JSON.stringify(f && f.source));
    check(f.link.includes('?gclid={gclid}&campaignid={campaignid}'), 'flows.json link without the macros: ' + f.link);
    const card2 = page.locator('#flows-list article.flow', { has: page.locator(`h2:text("${flowName}")`) });
    // The list is drawn again after the save: until then the card is the
    // one from before, without the source.
    await card2.locator('.tracking-link', { hasText: f.link }).waitFor({ timeout: T }).catch(() => {});
    const shown = await card2.locator('.tracking-link').textContent();
    check(shown === f.link, 'the flow card shows the link ' + shown + ', flows.json ' + f.link);
    check((await card2.textContent()).includes('source: ' + name), 'the flow card does not name its source');
    await card2.locator('.link-row button').click();
    await page.waitForFunction(() => /copied/.test(document.getElementById('msg').textContent || ''), null, { timeout: T });
    await shot(page, 'flow-source-1280.png');
  });

  await step(page, 'profile-source-links', async () => {
    await gotoPage(page, '#profile', `#profile-source-links [data-id="${id}"]`);
    const text = await page.textContent(`#profile-source-links [data-id="${id}"]`);
    check(text.includes(name) && text.includes('/{flow}?gclid={gclid}&campaignid={campaignid}'),
      'the profile does not show the source\'s link shape: ' + text);
  });
}
