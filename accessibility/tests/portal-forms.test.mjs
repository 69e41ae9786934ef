// The portal's forms, sent with the keyboard: empty and wrong answers come
// back in the GOV.UK error pattern, and the error pages pass every check.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { assertNone, checkPage } from '../lib/checks.mjs';
import { demo, newInvitationCode } from '../lib/demo.mjs';
import { errorPatternProblems, submitWithKeyboard } from '../lib/forms.mjs';

const SERVICE = 'FamilyStory';
let browser;
let context;
let page;
before(async () => {
  browser = await launch();
  context = await newContext(browser);
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
});

async function expectErrorPage(where, shot) {
  const problems = [...(await errorPatternProblems(page)), ...(await checkPage(page, { serviceName: SERVICE, shot }))];
  assertNone(where, problems);
}

/** The person's own fields say what they are for (WCAG 1.3.5). */
async function assertPurposes(purposes) {
  for (const [selector, purpose] of Object.entries(purposes)) {
    assert.equal(await page.getAttribute(selector, 'autocomplete'), purpose, `${selector} has autocomplete="${purpose}"`);
  }
}

test('sign-in: no email address', async () => {
  const url = `${demo.portal}/sign-in`;
  await page.goto(url);
  await submitWithKeyboard(page, 'Email me a code', { url });
  assert.match(await page.title(), /Sign in/);
  await expectErrorPage('portal /sign-in, sent empty', 'portal-sign-in-error');
  await assertPurposes({ '#email': 'email' });
});

test('sign-in: an email address that is not one', async () => {
  const url = `${demo.portal}/sign-in`;
  await page.goto(url);
  await submitWithKeyboard(page, 'Email me a code', { url, fill: () => page.fill('#email', 'not an address') });
  await expectErrorPage('portal /sign-in, sent "not an address"', null);
  assert.equal(await page.inputValue('#email'), 'not an address', 'what the person typed is kept');
});

test('sign-in code: no code, then a wrong code', async () => {
  const url = `${demo.portal}/sign-in`;
  await page.goto(url);
  // An address nobody has: the answer is the same page as for a real one.
  await submitWithKeyboard(page, 'Email me a code', { url, fill: () => page.fill('#email', 'nobody.here@example.net') });
  assert.ok(await page.locator('#code').count(), 'the code page has a #code field');
  await assertPurposes({ '#code': 'one-time-code' });
  let problems = await checkPage(page, { serviceName: SERVICE, shot: 'portal-sign-in-code' });
  assertNone('portal code page', problems);
  await submitWithKeyboard(page, 'Sign in');
  await expectErrorPage('portal code page, sent empty', 'portal-sign-in-code-error');
  await submitWithKeyboard(page, 'Sign in', { fill: () => page.fill('#code', '000000') });
  problems = await errorPatternProblems(page);
  assertNone('portal code page, sent a wrong code', problems);
});

test('start: nothing filled in', async () => {
  const url = `${demo.portal}/start`;
  await page.goto(url);
  await submitWithKeyboard(page, 'Continue', { url });
  await expectErrorPage('portal /start, sent empty', 'portal-start-error');
  const linked = await page.$$eval('.error-summary a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(linked, ['#code', '#first-name', '#dob-day'], 'the summary links to each field, in order');
  await assertPurposes({ '#first-name': 'given-name', '#dob-day': 'bday-day', '#dob-month': 'bday-month', '#dob-year': 'bday-year' });
});

test('start: a code with a typo and a date that does not exist', async () => {
  const url = `${demo.portal}/start`;
  await page.goto(url);
  await submitWithKeyboard(page, 'Continue', {
    url,
    fill: async () => {
      await page.fill('#code', 'ABCD-EFGH-JKM');
      await page.fill('#first-name', 'Robin');
      await page.fill('#dob-day', '31');
      await page.fill('#dob-month', '2');
      await page.fill('#dob-year', '2015');
    },
  });
  await expectErrorPage('portal /start, sent a typo and 31 2 2015', null);
  assert.equal(await page.inputValue('#first-name'), 'Robin', 'what the person typed is kept');
});

test('start: details that match no invitation', async () => {
  const url = `${demo.portal}/start`;
  await page.goto(url);
  await submitWithKeyboard(page, 'Continue', {
    url,
    fill: async () => {
      await page.fill('#code', newInvitationCode());
      await page.fill('#first-name', 'Robin');
      await page.fill('#dob-day', '27');
      await page.fill('#dob-month', '3');
      await page.fill('#dob-year', '2015');
    },
  });
  const problems = await errorPatternProblems(page);
  assertNone('portal /start, unknown details', problems);
});
