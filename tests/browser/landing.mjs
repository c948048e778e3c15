// The two-step funnel in headless Chromium (docs/API.md "Landing pages"),
// started by tests/it/browser.rs, which serves the landing page and the
// offers itself and checks what the tracker stored afterwards.
//
//   node landing.mjs --flow http://127.0.0.1:PORT/FLOW [--chromium /usr/bin/chromium]
//
// The visitor opens the tracking link, lands on the landing page, takes
// its first link (offer 1: the landing click), comes back and takes the
// cookie link (/lp, no id: offer 1 again, counted once), comes back and
// takes the second link (offer 2). Prints `CLICK <id>` last.
// Exit 0: every step passed. Exit 1: a step failed. Exit 2: bad
// arguments or timeout.
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
if (!args.flow) { console.error('missing --flow'); process.exit(2); }
const watchdog = setTimeout(() => { console.error('FAIL: timeout: the landing test took over 100 s'); process.exit(2); }, 100000);
const T = 15000;

const browser = await chromium.launch({
  executablePath: args.chromium || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
const fail = (msg) => { console.error('FAIL: ' + msg); failed = true; };
try {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => fail('page error: ' + e.message));

  await page.goto(args.flow);
  await page.waitForURL(/\/landing\?/, { timeout: T });
  const landing = page.url();
  const go = new URL(landing).searchParams.get('go') || '';
  const click = go.split('/lp/')[1] || '';
  if (!/^[A-Za-z0-9_-]{22}$/.test(click)) throw new Error('no click id in {lpclick}: ' + landing);
  console.log('landing page: ' + landing);

  // Each link, from the landing page as the visitor sees it.
  const follow = async (link, offer, what) => {
    await page.goto(landing);
    await page.click('#' + link);
    await page.waitForURL(new RegExp('/offer' + offer + '\\?'), { timeout: T });
    const h1 = await page.textContent('h1');
    const c = new URL(page.url()).searchParams.get('c');
    if (h1 !== 'Offer ' + offer) fail(what + ': the page says ' + h1);
    if (c !== click) fail(what + ': the offer got click ' + c + ', not ' + click);
    console.log(what + ': ' + page.url());
  };
  await follow('one', 1, 'first link');
  const cookies = await page.context().cookies(new URL(go).origin + '/lp');
  if (!cookies.some((c) => c.name === 'ftlp' && c.value === click && c.httpOnly && c.sameSite === 'Lax')) {
    fail('no ftlp cookie for /lp: ' + JSON.stringify(cookies));
  }
  await follow('cookie', 1, 'second visit, by the cookie');
  await follow('two', 2, 'second link');
  console.log('CLICK ' + click);
} catch (e) {
  fail(e.message);
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
process.exit(failed ? 1 : 0);
