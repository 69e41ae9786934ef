// Families signed in, the way a person does it in the browser:
//  - a synthetic person (nobody real) is invited as the bridge invites people,
//    starts with their code, registers a passkey with Chromium's virtual
//    authenticator, adds and confirms an email address, and signs back in
//    with the passkey and with an emailed code;
//  - each demo family member signs in with the code emailed to them;
// and every page each of them can reach passes every check.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addVirtualAuthenticator, launch, newContext } from '../lib/browser.mjs';
import { assertNone, checkPage } from '../lib/checks.mjs';
import { crawl } from '../lib/crawl.mjs';
import { signInWithEmailCode } from '../lib/family.mjs';
import { demo, demoUsers, inviteSyntheticPerson, waitForEmail } from '../lib/demo.mjs';
import { errorPatternProblems, paceFor, submitWithKeyboard } from '../lib/forms.mjs';
import { journey } from '../lib/journey.mjs';

const SERVICE = 'FamilyStory';
/** Checked as public pages already (portal-public.test.mjs); only /help is checked again signed in. */
const PUBLIC = (p) => p.startsWith('/help/') || ['/accessibility', '/privacy', '/sign-in', '/start', '/signed-out'].includes(p);

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function expectPasses(page, where, shot) {
  const problems = await checkPage(page, { serviceName: SERVICE, shot });
  assertNone(where, problems);
}

async function signOut(page) {
  await page.goto(`${demo.portal}/account`);
  await submitWithKeyboard(page, /^Sign out$/);
  assert.equal(new URL(page.url()).pathname, '/signed-out');
  const home = await page.goto(`${demo.portal}/home`);
  assert.notEqual(new URL(page.url()).pathname, '/home', `signed out, /home is not shown (status ${home.status()})`);
}

test('a new family member: invitation, passkey, email, every signed-in page, passkey sign-in', async (t) => {
  const person = await inviteSyntheticPerson();
  const email = `robin.testfield.${Date.now()}@example.net`;
  const context = await newContext(browser);
  const page = await context.newPage();
  const authenticator = await addVirtualAuthenticator(page);
  const step = journey(t);

  await step('starts with the invitation code, first name and date of birth', async () => {
    const url = `${demo.portal}/start`;
    await page.goto(url);
    const [y, m, d] = person.dob.split('-');
    await submitWithKeyboard(page, 'Continue', {
      url,
      fill: async () => {
        await page.fill('#code', `${person.code.slice(0, 4)}-${person.code.slice(4, 8)}-${person.code.slice(8)}`);
        await page.fill('#first-name', person.firstName);
        await page.fill('#dob-day', String(Number(d)));
        await page.fill('#dob-month', String(Number(m)));
        await page.fill('#dob-year', y);
      },
    });
    assert.equal(new URL(page.url()).pathname, '/account/setup');
    await expectPasses(page, 'portal /account/setup', 'portal-account-setup');
  });

  await step('registers a passkey (virtual authenticator)', async () => {
    const button = page.getByRole('button', { name: 'Add a passkey' });
    await button.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL(/\/account$/, { timeout: 15000 }), button.click()]);
    const credentials = await authenticator.credentials();
    assert.equal(credentials.length, 1, 'the authenticator holds one passkey');
    assert.ok(credentials[0].isResidentCredential, 'the passkey is discoverable (no username needed)');
    assert.equal(credentials[0].rpId, 'localhost');
    assert.match(await page.locator('main').innerText(), /My phone/, 'the account page lists the passkey');
    await expectPasses(page, 'portal /account with a passkey', 'portal-account');
  });

  await step('adds an email address and confirms it with the emailed code', async () => {
    const url = `${demo.portal}/account`;
    await submitWithKeyboard(page, 'Send a code', { url, fill: () => page.fill('#email', '') });
    let problems = [...(await errorPatternProblems(page)), ...(await checkPage(page, { serviceName: SERVICE }))];
    assertNone('portal /account, email sent empty', problems);
    const since = Date.now() - 1000;
    await submitWithKeyboard(page, 'Send a code', { url, fill: () => page.fill('#email', email) });
    await expectPasses(page, 'portal email confirmation page', 'portal-account-confirm-email');
    await submitWithKeyboard(page, 'Confirm');
    problems = [...(await errorPatternProblems(page)), ...(await checkPage(page, { serviceName: SERVICE }))];
    assertNone('portal email confirmation, sent empty', problems);
    const match = await waitForEmail(email, /code is (\d{6})/, { since });
    assert.ok(match, `a code was emailed to ${email}`);
    await submitWithKeyboard(page, 'Confirm', { fill: () => page.fill('#code', match[1]) });
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.match(await page.locator('main').innerText(), new RegExp(email.replace(/\./g, '\\.')));
  });

  await step('every signed-in page passes', async (st) => {
    const checked = await crawl(st, page, {
      origin: demo.portal,
      seeds: ['/home', '/account', '/account/setup', `/items/${person.itemId}`, '/help'],
      serviceName: SERVICE,
      label: 'portal (signed in)',
      skip: PUBLIC,
      shots: (p) => ({ '/home': 'portal-home', [`/items/${person.itemId}`]: 'portal-item' })[p] ?? null,
    });
    assert.ok(checked.includes(`/items/${person.itemId}`), 'the published item was reached');
  });

  await step('signs out, and back in with the passkey alone', async () => {
    await signOut(page);
    await page.goto(`${demo.portal}/sign-in`);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor({ state: 'visible' });
    await expectPasses(page, 'portal /sign-in with passkeys available', null);
    await button.focus();
    await paceFor(`${demo.portal}/sign-in/passkey/start`, 2);
    await Promise.all([page.waitForURL(/\/home$/, { timeout: 15000 }), page.keyboard.press('Enter')]);
    assert.match(await page.locator('h1').innerText(), new RegExp(person.firstName));
  });

  await step('signs out, and back in with a code sent to the confirmed email', async () => {
    await signOut(page);
    assert.ok(await signInWithEmailCode(page, email), `a sign-in code was emailed to ${email}`);
  });

  await context.close();
});

for (const user of demoUsers().filter((u) => u.service === 'portal')) {
  test(`${user.name} (${user.role}) signs in with an emailed code, and every page they reach passes`, async (t) => {
    const context = await newContext(browser);
    const page = await context.newPage();
    assert.ok(await signInWithEmailCode(page, user.email), `no sign-in code reached ${user.email} in the demo's outbox`);
    const slug = `${user.role}-${user.name.split(' ')[0].toLowerCase()}`;
    await crawl(t, page, {
      origin: demo.portal,
      seeds: ['/home', '/account', '/help'],
      serviceName: SERVICE,
      label: `portal (${user.name})`,
      skip: PUBLIC,
      shots: (p) => {
        if (p === '/home') return `portal-home-${slug}`;
        if (p === '/account') return `portal-account-${slug}`;
        if (p.startsWith('/items/')) return `portal-item-${slug}-${p.split('/').pop().slice(0, 8)}`;
        return null;
      },
    });
    await signOut(page);
    await context.close();
  });
}
