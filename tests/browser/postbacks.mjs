// The Postbacks page and a source's postback template in headless
// Chromium (docs/API.md postbacks-out.json, postback-retry.json,
// postbacks-in.json, postback-preview.json), started by
// tests/it/browser/postbacks.rs, which made two sources telling a local
// server about leads (one answers 200, one 400), a lead of each, and
// refused postback calls; it checks what the tracker stored afterwards.
//
//   node postbacks.mjs --url http://127.0.0.1:PORT --token TOKEN --shots DIR
//     --good-source ID --bad-source ID --good-lead ID --bad-lead ID
//     --good-adid TEXT [--chromium /usr/bin/chromium]
//
// Exit 0: every check passed. Exit 1: a check failed (each with a
// screenshot fail-*.png). Exit 2: bad arguments or timeout.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import {
  args, need, BASE, LAUNCH, T, failures, log, apiCall, watch, shot, step, check, noErrorShown, gotoPage,
} from './lib.mjs';

for (const k of ['token', 'good-source', 'bad-source', 'good-lead', 'bad-lead', 'good-adid']) need(k);
const token = args.token;
const goodLead = Number(args['good-lead']);
const badLead = Number(args['bad-lead']);
const goodSource = Number(args['good-source']);
const watchdog = setTimeout(() => { console.error('FAIL: timeout: the postbacks test took over 150 s'); process.exit(2); }, 150000);

const OUT_ROWS = '#pbout-table tbody tr[data-id]';
const IN_ROWS = '#pbin-table tbody tr[data-id]';
const cell = (row, key) => row.locator(`td[data-key="${key}"]`).textContent();
const state = (row) => row.locator('td[data-key="state"] .badge').textContent();
const ids = (page, sel) => page.$$eval(sel, (rows) => rows.map((r) => Number(r.dataset.id)));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// The lines of the CSV file the button `sel` downloads.
async function download(page, sel) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.click(sel)]);
  return fs.readFileSync(await file.path(), 'utf8').trim().split(/\r?\n/);
}

const browser = await chromium.launch(LAUNCH);
log('chromium ' + browser.version());
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', acceptDownloads: true });
await ctx.addInitScript((t) => sessionStorage.setItem('flowtrack.token', t), token);
const page = watch(await ctx.newPage(), 'postbacks');
await page.goto(BASE + '/app/');

let out = [];
const outRow = (lead) => page.locator(OUT_ROWS, { has: page.locator(`td[data-key="lead"]:text-is("${lead}")`) });

await step(page, 'postbacks-out-list', async () => {
  out = (await apiCall('postbacks-out', {}, token)).postbacks;
  check(out.length === 2, 'postbacks-out.json lists ' + out.length + ' postbacks, the test made 2');
  await gotoPage(page, '#postbacks', OUT_ROWS);
  check(same(await ids(page, OUT_ROWS), out.map((p) => p.id)), 'the rows are not postbacks-out.json\'s, newest first');
  check(await page.isVisible('#postbacks-tabs a[data-tab="out"][aria-current="page"]'), 'the Outgoing tab is not the current one');

  const good = outRow(goodLead);
  check((await state(good)) === 'sent', 'the lead ' + goodLead + ' postback is not shown as sent');
  check((await cell(good, 'http')) === '200', 'the sent postback does not show HTTP 200');
  check((await cell(good, 'source')).includes('Good net'), 'the sent postback does not name its source');
  check((await cell(good, 'stage')) === 'approve', 'the sent postback does not show its stage');
  const sentUrl = await cell(good, 'url');
  check(sentUrl.includes('token=***') && !sentUrl.includes('s3cret'), 'the secret of the URL is not masked: ' + sentUrl);
  check(sentUrl.includes('cid=' + args['good-adid']), 'the sent URL lacks the click id: ' + sentUrl);
  check(/^\d+$/.test(await cell(good, 'latency')), 'the sent postback shows no latency');
  check(!(await good.locator('[data-action="retry"]').count()), 'a sent postback offers a retry');

  const bad = outRow(badLead);
  check((await state(bad)) === 'failed', 'the lead ' + badLead + ' postback is not shown as failed');
  check((await cell(bad, 'http')) === '400', 'the failed postback does not show HTTP 400');
  check((await cell(bad, 'response')).includes('unknown click'), 'the failed postback does not show the answer: ' + await cell(bad, 'response'));
  check(await bad.locator('[data-action="retry"]').isVisible(), 'the failed postback has no Retry button');
  await noErrorShown(page);
  await shot(page, 'postbacks-out-1280.png');
});

await step(page, 'postbacks-out-retry', async () => {
  const bad = outRow(badLead);
  await bad.locator('[data-action="retry"]').click();
  await page.waitForFunction((lead) => [...document.querySelectorAll('#pbout-table tbody tr[data-id]')]
    .some((tr) => tr.querySelector('td[data-key="lead"]').textContent === String(lead)
      && tr.querySelector('td[data-key="state"] .badge').textContent === 'pending'), badLead, { timeout: T });
  await noErrorShown(page);
  check(!(await outRow(badLead).locator('[data-action="retry"]').count()), 'a pending postback still offers a retry');
  const p = (await apiCall('postbacks-out', { lead: badLead }, token)).postbacks;
  check(p.length === 1 && p[0].state === 'pending', 'postbacks-out.json after the retry: ' + JSON.stringify(p));
  await shot(page, 'postbacks-out-retried-1280.png');
});

await step(page, 'postbacks-out-filters', async () => {
  await page.selectOption('#pbout-f-state', { value: 'sent' });
  await page.click('#pbout-go');
  await page.waitForFunction(() => document.querySelectorAll('#pbout-table tbody tr[data-id]').length === 1, null, { timeout: T });
  const sent = (await apiCall('postbacks-out', { state: 'sent' }, token)).postbacks.map((p) => p.id);
  check(same(await ids(page, OUT_ROWS), sent), 'state=sent shows other rows than postbacks-out.json');
  await page.selectOption('#pbout-f-state', { value: '' });
  await page.fill('#pbout-f-source', String(goodSource));
  await page.click('#pbout-go');
  await page.waitForFunction(() => document.querySelectorAll('#pbout-table tbody tr[data-id]').length === 1, null, { timeout: T });
  check((await cell(page.locator(OUT_ROWS), 'lead')) === String(goodLead), 'the source filter shows another lead');
  const csv = await download(page, '#pbout-csv');
  check(/^id,time,lead,click,source,stage,/.test(csv[0]), 'the CSV header is ' + csv[0]);
  check(csv.length === 2 && csv[1].includes('good-1'), 'the CSV of the source\'s postbacks is ' + JSON.stringify(csv));
  await page.click('#pbout-clear');
  await page.waitForFunction(() => document.querySelectorAll('#pbout-table tbody tr[data-id]').length === 2, null, { timeout: T });
  await noErrorShown(page);
});

await step(page, 'postbacks-in-list', async () => {
  const inc = (await apiCall('postbacks-in', {}, token)).postbacks;
  check(inc.length >= 4, 'postbacks-in.json lists ' + inc.length + ' calls, the test made 4');
  await page.click('#postbacks-tabs a[data-tab="in"]');
  await page.waitForSelector(IN_ROWS, { timeout: T });
  await noErrorShown(page);
  check(same(await ids(page, IN_ROWS), inc.map((p) => p.id)), 'the rows are not postbacks-in.json\'s');
  const refused = inc.find((p) => p.error === 'bad-click');
  check(refused, 'postbacks-in.json has no bad-click call: ' + JSON.stringify(inc));
  const row = page.locator(`${IN_ROWS}[data-id="${refused.id}"]`);
  check((await cell(row, 'status')).includes('bad-click'), 'the refused call does not show bad-click');
  const taken = inc.find((p) => p.lead === goodLead && p.status === 'ok');
  check(taken, 'postbacks-in.json has no ok call for lead ' + goodLead);
  const okRow = page.locator(`${IN_ROWS}[data-id="${taken.id}"]`);
  check((await cell(okRow, 'lead')) === String(goodLead) && (await cell(okRow, 'stage')) === 'approve', 'the taken call does not show its lead and stage');
  const params = await cell(okRow, 'params');
  check(params.includes('status=approve') && params.includes('price=10'), 'the parameters are not shown: ' + params);
  check(!params.includes(token), 'the credential is shown in the parameters');
  await shot(page, 'postbacks-in-1280.png');

  await page.selectOption('#pbin-f-error', { value: 'any' });
  await page.click('#pbin-go');
  const bad = (await apiCall('postbacks-in', { error: 'any' }, token)).postbacks.map((p) => p.id);
  await page.waitForFunction((n) => document.querySelectorAll('#pbin-table tbody tr[data-id]').length === n, bad.length, { timeout: T });
  check(same(await ids(page, IN_ROWS), bad), 'error=any shows other rows than postbacks-in.json');

  const csv = await download(page, '#pbin-csv');
  check(/^id,time,ip,click,flow,params/.test(csv[0]), 'the CSV header is ' + csv[0]);
  check(csv.length === bad.length + 1, 'the CSV has ' + (csv.length - 1) + ' rows, the page ' + bad.length);
  await noErrorShown(page);
});

await step(page, 'source-postback-preview', async () => {
  await gotoPage(page, '#sources', `#sources-table tbody tr[data-id="${goodSource}"]`);
  await page.click(`#sources-table tbody tr[data-id="${goodSource}"] [data-action="edit"]`);
  await page.waitForSelector('#source-pb-url', { timeout: T });
  const src = (await apiCall('sources', {}, token)).sources.find((s) => s.id === goodSource);
  check((await page.inputValue('#source-pb-url')) === src.postback.url, 'the editor does not show the stored postback URL');
  check(await page.isChecked('#source-pb-stage-approve') && !(await page.isChecked('#source-pb-stage-new')), 'the stages are not the stored ones');
  check((await page.inputValue('#source-pb-word-approve')) === 'sale', 'the approve word is not the stored one');
  check(!(await page.isVisible('#source-pb-body')), 'the body shows for a GET postback');

  const url = 'http://127.0.0.1:9/pb?cid={clickid}&s={status}&p={payout}&c={currency}&g={goal}';
  await page.fill('#source-pb-url', url);
  await page.fill('#source-pb-share', '50');
  await page.fill('#source-pb-lead', String(goodLead));
  const want = await apiCall('postback-preview', {
    source: goodSource, lead: goodLead, postback_url: url, postback_share: 50,
  }, token);
  check(want.url.includes('cid=' + args['good-adid'] + '&s=sale&p=5&c=USD&g=lead'), 'postback-preview.json renders ' + want.url);
  await page.waitForFunction((u) => document.getElementById('source-pb-preview-url')?.textContent === u, want.url, { timeout: T });
  check((await page.getAttribute('#source-pb-preview', 'data-send')) === 'true', 'the preview does not say it sends');

  // A stage that does not send, then POST with a JSON body.
  await page.selectOption('#source-pb-stage', 'new');
  await page.waitForSelector('#source-pb-preview[data-send="false"][data-why="stage"]', { timeout: T });
  await page.selectOption('#source-pb-stage', { value: '' });
  await page.selectOption('#source-pb-method', 'post');
  check(await page.isVisible('#source-pb-body'), 'no body field for a POST postback');
  await page.fill('#source-pb-body', '{"click":"{clickid}","payout":"{payout}"}');
  const body = '{"click":"' + args['good-adid'] + '","payout":"5"}';
  await page.waitForFunction((b) => document.getElementById('source-pb-preview-body')?.textContent === b, body, { timeout: T });
  await noErrorShown(page);
  await shot(page, 'source-postback-1280.png');

  await page.click('#source-save');
  await page.waitForSelector('#source-form', { state: 'detached', timeout: T });
  await noErrorShown(page);
  const saved = (await apiCall('sources', {}, token)).sources.find((s) => s.id === goodSource).postback;
  check(saved.url === url && saved.method === 'post' && saved.body === '{"click":"{clickid}","payout":"{payout}"}'
    && saved.share === 50 && same(saved.stages, ['approve']) && saved.words.approve === 'sale',
  'the saved template is not the form: ' + JSON.stringify(saved));
  // Closing the editor reloads the list, so the row is awaited, not read at once.
  const pbCell = `#sources-table tbody tr[data-id="${goodSource}"] td[data-key="postback"]`;
  const shown = await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith('POST'), pbCell, { timeout: T })
    .then(() => true, () => false);
  check(shown, 'the sources list does not show the postback: ' + await page.textContent(pbCell).catch(() => '(no row)'));
});

await step(page, 'source-postback-template', async () => {
  const { templates } = await apiCall('sources', {}, token);
  const t = templates.find((x) => x.postback && x.postback.url);
  check(t, 'no built-in template has a postback URL');
  await page.click('#source-new');
  await page.waitForSelector('#source-form', { timeout: T });
  check((await page.inputValue('#source-pb-url')) === '', 'a new source starts with a postback URL');
  await page.selectOption('#source-template', t.template);
  check((await page.inputValue('#source-pb-url')) === t.postback.url, 'the template did not fill the postback URL');
  for (const st of ['new', 'hold', 'approve', 'cancel', 'trash']) {
    check((await page.isChecked('#source-pb-stage-' + st)) === t.postback.stages.includes(st), 'the template did not fill stage ' + st);
  }
  await page.click('#source-cancel');
});

await ctx.close();
await browser.close();
clearTimeout(watchdog);
if (failures.length) {
  console.log(`\n${failures.length} browser check(s) failed:\n- ` + failures.join('\n- '));
  process.exit(1);
}
console.log('\nall postback browser checks passed');
