// "Exit this page": the link, the keyboard, and three presses of Shift all
// leave at once for a neutral site, through the portal's /exit, which signs
// out; the page is replaced in the history, and what is left behind it asks
// the server again, so the Back button does not bring the portal's content
// back. The neutral site is answered by a stand-in page (lib/browser.mjs):
// nothing leaves the machine.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { demo, demoUsers } from '../lib/demo.mjs';
import { signInWithEmailCode } from '../lib/family.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A new tab whose first page is `path` on the portal: {page, context}. */
async function openFresh(path) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(demo.portal + path);
  const exit = page.locator('a[data-quick-exit]');
  assert.equal(await exit.count(), 1, `${path} has one "Exit this page" link`);
  assert.ok(await exit.isVisible(), '"Exit this page" is visible');
  assert.equal(await exit.getAttribute('href'), '/exit', 'it goes through the portal, which signs out');
  return { context, page };
}

/** Waits until the tab is on the neutral site (https, not the portal). */
async function assertOnNeutralSite(page, how) {
  const portal = new URL(demo.portal).origin;
  await page.waitForURL((url) => url.origin !== portal, { timeout: 5000 });
  const url = new URL(page.url());
  assert.equal(url.protocol, 'https:', `${how}: the neutral site is on https`);
}

/** On the neutral site, and Back (the page was the tab's first) leaves the portal behind. */
async function assertLeftFor(page, how) {
  await assertOnNeutralSite(page, how);
  await page.goBack({ timeout: 5000 }).catch(() => null);
  const back = page.url();
  assert.ok(!back.startsWith(demo.portal), `${how}: Back returned to the portal (${back})`);
}

for (const path of ['/', '/help/children-child-protection-plan', '/sign-in']) {
  test(`clicking "Exit this page" on ${path} leaves, and Back does not return`, async () => {
    const { context, page } = await openFresh(path);
    await page.click('a[data-quick-exit]');
    await assertLeftFor(page, 'click');
    await context.close();
  });
}

test('"Exit this page" works from the keyboard (Enter)', async () => {
  const { context, page } = await openFresh('/help');
  await page.locator('a[data-quick-exit]').focus();
  await page.keyboard.press('Enter');
  await assertLeftFor(page, 'Enter');
  await context.close();
});

test('pressing Shift three times leaves, and Back does not return', async () => {
  const { context, page } = await openFresh('/help/parents-meetings');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift');
  await assertLeftFor(page, 'Shift x3');
  await context.close();
});

test('pressing Shift three times works while typing in a field', async () => {
  const { context, page } = await openFresh('/sign-in');
  await page.locator('#email').focus();
  await page.keyboard.type('someone');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift');
  await assertLeftFor(page, 'Shift x3 in a field');
  await context.close();
});

test('Shift twice, or Shift presses with other keys between, does not leave', async () => {
  const { context, page } = await openFresh('/help');
  const here = page.url();
  await page.keyboard.press('Shift');
  await page.keyboard.press('Shift');
  await page.keyboard.press('a');
  await page.keyboard.press('Shift');
  await page.waitForTimeout(300);
  assert.equal(page.url(), here, 'still on the page');
  // Typing a capital letter (Shift held with a key) is not an exit either.
  await page.keyboard.press('Shift+A');
  await page.keyboard.press('Shift+B');
  await page.waitForTimeout(300);
  assert.equal(page.url(), here, 'still on the page after capitals');
  await context.close();
});

test('a signed-in family member leaves, and Back shows none of their pages', async (t) => {
  const portalUsers = demoUsers().filter((u) => u.service === 'portal');
  const context = await newContext(browser);
  const page = await context.newPage();
  assert.ok(await signInWithEmailCode(page, portalUsers[0].email), 'no sign-in code arrived');
  const first = page.locator('main ul.items a').first();
  assert.ok(await first.count(), 'something is shared with them');
  const title = (await first.textContent()).trim();
  await first.click();
  await page.waitForLoadState('load');
  assert.ok(new URL(page.url()).pathname.startsWith('/items/'));
  await page.click('a[data-quick-exit]');
  await assertOnNeutralSite(page, 'signed in');
  // Back, and Back again: whatever the browser shows asks the server, which
  // no longer has a session for this phone.
  for (let i = 0; i < 2; i++) {
    await page.goBack({ timeout: 5000 }).catch(() => null);
    if (!page.url().startsWith(demo.portal)) break;
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(title), `Back showed "${title}" again at ${page.url()}`);
    assert.ok(!text.includes('Hello,'), `Back showed the home page again at ${page.url()}`);
  }
  await context.close();
});

test('staff pages have no "Exit this page"', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(demo.bridge + '/');
  assert.equal(await page.locator('a[data-quick-exit]').count(), 0);
  await context.close();
});
