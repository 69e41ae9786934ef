// Family voice in the browser: a half-written view survives "Exit this
// page" (kept on the server while typing), the faces scale works from the
// keyboard, and feedback goes from the form through its error, "check your
// answers" and Send, every page passing every check on the way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { assertNone, checkPage } from '../lib/checks.mjs';
import { demo, demoUsers } from '../lib/demo.mjs';
import { signInWithEmailCode } from '../lib/family.mjs';
import { submitWithKeyboard } from '../lib/forms.mjs';

const SERVICE = 'FamilyStory';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

function user(role, first) {
  const found = demoUsers().find((u) => u.role === role && u.name.startsWith(first));
  assert.ok(found, `the demo has ${first}`);
  return found;
}

async function signedIn(who) {
  const context = await newContext(browser);
  const page = await context.newPage();
  assert.ok(await signInWithEmailCode(page, who.email), `${who.name} signs in`);
  return { context, page };
}

async function openViewsForm(page) {
  await page.goto(`${demo.portal}/home`);
  await Promise.all([
    page.waitForURL(/\/items\/[^/]+\/views$/),
    page.getByRole('link', { name: 'Tell us what you think before the meeting' }).first().click(),
  ]);
}

test('a half-written view survives "Exit this page", and the faces work from the keyboard', async () => {
  const ellie = user('child', 'Ellie');
  const words = `Pancakes with Nan, written at ${Date.now()}`;
  {
    const { context, page } = await signedIn(ellie);
    await openViewsForm(page);
    const saved = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/views') && r.status() === 204, { timeout: 10000 });
    await page.locator('#good').fill(words);
    await saved;
    await page.click('a[data-quick-exit]');
    await page.waitForURL((url) => !url.href.startsWith(demo.portal), { timeout: 5000 });
    await context.close();
  }
  {
    const { context, page } = await signedIn(ellie);
    await openViewsForm(page);
    assert.equal(await page.locator('#good').inputValue(), words, 'what she typed is there when she comes back');
    // The faces scale, from the keyboard (in the same visit: a person may
    // have only five sign-in codes an hour).
    const first = page.locator('input[name="dreams-feeling"]').first();
    await first.focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('input[name="dreams-feeling"]:checked').getAttribute('value'), '3', 'arrow keys move along the faces');
    assert.match(await page.locator('label[for="dreams-feeling-3"]').innerText(), /OK/, 'each face has its words');
    // The checks tab through the page from the top, as a person arriving does.
    await page.reload();
    assertNone('portal views form', await checkPage(page, { serviceName: SERVICE, shot: 'portal-views-faces' }));
    await context.close();
  }
});

test('feedback: an error, check your answers, Send', async () => {
  const { context, page } = await signedIn(user('parent', 'Daniel'));
  const url = `${demo.portal}/feedback`;
  await page.goto(url);
  await submitWithKeyboard(page, 'Continue', { url });
  assert.match(await page.locator('.error-summary').innerText(), /Choose an answer/);
  assertNone('portal /feedback with errors', await checkPage(page, { serviceName: SERVICE, shot: 'portal-feedback-errors' }));
  await submitWithKeyboard(page, 'Continue', {
    url,
    fill: async () => {
      await page.check('#about');
      await page.fill('#words', 'The letters are easy to read now.');
    },
  });
  assert.match(new URL(page.url()).pathname, /^\/contributions\//);
  assert.match(await page.locator('h1').innerText(), /Check your answers/);
  assertNone('portal check your answers', await checkPage(page, { serviceName: SERVICE, shot: 'portal-check-answers' }));
  await submitWithKeyboard(page, 'Send', { form: 'form[aria-label="Send"]' });
  assert.match(await page.locator('.notification').innerText(), /Sent/);
  assertNone('portal contribution sent', await checkPage(page, { serviceName: SERVICE, shot: 'portal-contribution-sent' }));
  await context.close();
});

test('messages: the conversation, an empty message refused with its error, then sent', async () => {
  const { context, page } = await signedIn(user('parent', 'Daniel'));
  const url = `${demo.portal}/messages`;
  await page.goto(`${demo.portal}/home`);
  await Promise.all([page.waitForURL(url), page.getByRole('link', { name: 'Messages', exact: true }).first().click()]);
  assertNone('portal messages', await checkPage(page, { serviceName: SERVICE, shot: 'portal-messages' }));
  await submitWithKeyboard(page, 'Send', { url });
  assert.match(await page.locator('.error-summary').innerText(), /Write your message in the box/);
  assertNone('portal messages with an error', await checkPage(page, { serviceName: SERVICE, shot: 'portal-messages-error' }));
  const words = `Can we move the meeting? Sent at ${Date.now()}`;
  await submitWithKeyboard(page, 'Send', { url, fill: () => page.fill('#message', words) });
  assert.match(new URL(page.url()).pathname, /^\/messages$/);
  const mine = page.locator('.message.mine').last();
  assert.match(await mine.innerText(), /Can we move the meeting\?/);
  assert.match(await mine.innerText(), /Sent/);
  assertNone('portal messages after sending', await checkPage(page, { serviceName: SERVICE, shot: 'portal-messages-sent' }));
  await context.close();
});
