// The staff bridge as anyone sees it before signing in: every page reachable
// from its start page, its sign-in form's errors, and "page not found".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { assertNone, checkPage } from '../lib/checks.mjs';
import { crawl } from '../lib/crawl.mjs';
import { demo } from '../lib/demo.mjs';
import { errorPatternProblems, gotoPatiently, submitWithKeyboard } from '../lib/forms.mjs';

const SERVICE = 'FamilyStory staff';
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('every public staff page passes', async (t) => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const shots = (p) => ({ '/': 'bridge-start', '/sign-in': 'bridge-sign-in', '/accessibility': 'bridge-accessibility-statement' })[p] ?? null;
  await crawl(t, page, { origin: demo.bridge, seeds: ['/', '/sign-in', '/accessibility', '/privacy'], serviceName: SERVICE, label: 'bridge', shots });
  await context.close();
});

test('the staff page-not-found page passes and says 404', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const response = await page.goto(`${demo.bridge}/no-such-page`);
  assert.equal(response.status(), 404);
  const problems = await checkPage(page, { serviceName: SERVICE, shot: 'bridge-not-found' });
  assertNone('bridge /no-such-page', problems);
  await context.close();
});

test('staff sign-in: no email address, then one that is not one', async (t) => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const url = `${demo.bridge}/sign-in`;
  const response = await gotoPatiently(page, url);
  assert.equal(response.status(), 200, 'the staff sign-in page answers');
  assert.ok(await page.locator('main form #email').count(), 'the staff sign-in page asks for an email address');
  await submitWithKeyboard(page, 'Continue', { url });
  let problems = [...(await errorPatternProblems(page)), ...(await checkPage(page, { serviceName: SERVICE, shot: 'bridge-sign-in-error' }))];
  assertNone('bridge /sign-in, sent empty', problems);
  await submitWithKeyboard(page, 'Continue', { url, fill: () => page.fill('#email', 'not an address') });
  problems = await errorPatternProblems(page);
  assertNone('bridge /sign-in, sent "not an address"', problems);
  await context.close();
});
