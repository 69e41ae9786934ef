// "Exit this page": the link, the keyboard, and three presses of Shift all
// leave at once for a neutral site, replacing the page in the history so the
// Back button does not bring it back. The neutral site is answered by a
// stand-in page (lib/browser.mjs): nothing leaves the machine.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { demo } from '../lib/demo.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A new tab whose first page is `path` on the portal: {page, context, target}. */
async function openFresh(path) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(demo.portal + path);
  const exit = page.locator('a[data-quick-exit]');
  assert.equal(await exit.count(), 1, `${path} has one "Exit this page" link`);
  assert.ok(await exit.isVisible(), '"Exit this page" is visible');
  const target = await exit.getAttribute('href');
  const url = new URL(target);
  assert.equal(url.protocol, 'https:', 'the neutral site is on https');
  assert.notEqual(url.origin, new URL(demo.portal).origin, 'the neutral site is not the portal');
  return { context, page, target };
}

async function assertLeftFor(page, target, how) {
  await page.waitForURL(target, { timeout: 5000 });
  assert.equal(page.url(), target, `${how}: now at the neutral site`);
  // Back must not bring the portal's page back.
  await page.goBack({ timeout: 5000 }).catch(() => null);
  const back = page.url();
  assert.ok(!back.startsWith(demo.portal), `${how}: Back returned to the portal (${back})`);
}

for (const path of ['/', '/help/children-child-protection-plan', '/sign-in']) {
  test(`clicking "Exit this page" on ${path} leaves, and Back does not return`, async () => {
    const { context, page, target } = await openFresh(path);
    await page.click('a[data-quick-exit]');
    await assertLeftFor(page, target, 'click');
    await context.close();
  });
}

test('"Exit this page" works from the keyboard (Enter)', async () => {
  const { context, page, target } = await openFresh('/help');
  await page.locator('a[data-quick-exit]').focus();
  await page.keyboard.press('Enter');
  await assertLeftFor(page, target, 'Enter');
  await context.close();
});

test('pressing Shift three times leaves, and Back does not return', async () => {
  const { context, page, target } = await openFresh('/help/parents-meetings');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift');
  await assertLeftFor(page, target, 'Shift x3');
  await context.close();
});

test('pressing Shift three times works while typing in a field', async () => {
  const { context, page, target } = await openFresh('/sign-in');
  await page.locator('#email').focus();
  await page.keyboard.type('someone');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift');
  await assertLeftFor(page, target, 'Shift x3 in a field');
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

test('staff pages have no "Exit this page"', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(demo.bridge + '/');
  assert.equal(await page.locator('a[data-quick-exit]').count(), 0);
  await context.close();
});
