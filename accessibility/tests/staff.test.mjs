// Staff signed in, the way a person does it: a staff member opens the
// enrolment link they were sent, registers a passkey with Chromium's virtual
// authenticator and lands signed in; every page their roles show them passes
// every check. One of them signs out and back in with the passkey.
//
// Who: the demo's staff (demo-users.json), from the enrolment links the demo
// emails them, and a synthetic administrator made with `familystory bridge
// add-staff` (as the first admin is made). Should the demo's staff be
// missing, the administrator adds a synthetic practitioner, manager and IG
// officer on /admin/staff instead, and each enrols from the emailed link.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { addVirtualAuthenticator, launch, newContext } from '../lib/browser.mjs';
import { assertNone, checkPage } from '../lib/checks.mjs';
import { crawl } from '../lib/crawl.mjs';
import { demo, demoUsers, waitForEmail } from '../lib/demo.mjs';
import { errorPatternProblems, gotoPatiently, paceFor, submitWithKeyboard } from '../lib/forms.mjs';
import { journey } from '../lib/journey.mjs';

const SERVICE = 'FamilyStory staff';
const PUBLIC = (p) => ['/accessibility', '/privacy', '/sign-in'].includes(p);
const ENROL_LINK = /\/enrol\/([A-Za-z0-9_~.%-]+)/;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function expectPasses(page, where, shot) {
  assertNone(where, await checkPage(page, { serviceName: SERVICE, shot }));
}

/** Presses the passkey form's button with the keyboard and waits until the page has moved on from `from`. */
async function passkeyCeremony(page, formSelector, from) {
  const button = page.locator(`${formSelector} button[type="submit"]`);
  await button.waitFor({ state: 'visible' });
  for (let attempt = 0; attempt < 6; attempt++) {
    const limited = [];
    const listener = (r) => r.status() === 429 && limited.push(r.url());
    page.on('response', listener);
    await button.focus();
    await paceFor(new URL(await page.locator(formSelector).getAttribute('data-start'), page.url()).href, 2);
    await page.keyboard.press('Enter');
    const moved = await page.waitForURL((u) => u.pathname !== from, { timeout: 15000 }).then(
      () => true,
      () => false,
    );
    page.off('response', listener);
    if (moved) return;
    if (!limited.length) {
      const status = await page.locator('[data-passkey-status]').innerText().catch(() => '');
      assert.fail(`the passkey ceremony did not finish: ${status || 'nothing happened'}`);
    }
    await page.waitForTimeout(7000); // the sign-in rate limit: wait, then try again
  }
  assert.fail('the rate limit did not let up');
}

/**
 * One member's journey: enrol from `token`, check every page they reach,
 * and (when `signInAgain`) sign out and back in. Leaves the page signed in
 * and returns it.
 */
async function enrolAndCheck(t, member, token, { signInAgain = false, first = false } = {}) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const authenticator = await addVirtualAuthenticator(page);
  const enrol = `/enrol/${token}`;
  const step = journey(t);
  const slug = `${member.role}-${member.name.split(' ')[0].toLowerCase()}`;

  await step('the enrolment page passes, and registers a passkey', async () => {
    await gotoPatiently(page, demo.bridge + enrol);
    await page.locator('form[data-passkey="register"]').waitFor({ state: 'visible' });
    await expectPasses(page, 'bridge enrolment page', first ? 'bridge-enrol' : null);
    const name = page.locator('form[data-passkey="register"] input[name="name"]');
    if (await name.count()) await name.fill('Work laptop');
    await passkeyCeremony(page, 'form[data-passkey="register"]', enrol);
    const credentials = await authenticator.credentials();
    assert.equal(credentials.length, 1, 'the authenticator holds one passkey');
    assert.equal(credentials[0].rpId, 'localhost');
  });

  await step('every page they can reach passes', async (st) => {
    await crawl(st, page, {
      origin: demo.bridge,
      // An IG officer's search for publications leads on to who saw them,
      // the family members' pages, pausing and erasure.
      seeds: ['/', '/cases', '/account', '/sign-out', ...(member.role === 'ig_officer' ? ['/governance?kind=publication'] : [])],
      serviceName: SERVICE,
      label: `bridge (${member.name}, ${member.role})`,
      skip: PUBLIC,
      shots: (p) =>
        ['/cases', '/account', '/admin/staff', '/sign-out'].includes(p) || /^\/cases\/[^/]+$/.test(p)
          ? `bridge-${slug}${p.replace(/\//g, '-')}`
          : null,
    });
  });

  if (signInAgain) {
    await step('signs out, and back in with the passkey', async () => {
      await gotoPatiently(page, `${demo.bridge}/sign-out`);
      await submitWithKeyboard(page, /^Sign out$/);
      const url = `${demo.bridge}/sign-in`;
      await gotoPatiently(page, url);
      await submitWithKeyboard(page, 'Continue', { url, fill: () => page.fill('#email', member.email) });
      await page.locator('form[data-passkey="sign-in"]').waitFor({ state: 'visible' });
      await expectPasses(page, 'bridge passkey sign-in page', 'bridge-sign-in-passkey');
      await passkeyCeremony(page, 'form[data-passkey="sign-in"]', new URL(page.url()).pathname);
      assert.notEqual(new URL(page.url()).pathname, '/sign-in', 'signed in');
    });
  }
  return { context, page, step };
}

const demoStaff = demoUsers().filter((u) => u.service === 'bridge');
const demoLinks = new Map();
for (const user of demoStaff) {
  const match = await waitForEmail(user.email, ENROL_LINK, { timeout: 5000 });
  if (match) demoLinks.set(user.email, match[1]);
}

for (const [n, user] of demoStaff.entries()) {
  test(`${user.name} (${user.role}) enrols with a passkey, and every staff page they reach passes`, async (t) => {
    const token = demoLinks.get(user.email);
    assert.ok(token, `no enrolment link reached ${user.email} in the demo's outbox`);
    const { context, page } = await enrolAndCheck(t, user, token, { signInAgain: n === 0, first: n === 0 });
    // Their everyday forms, sent without what they need, follow the error pattern.
    const forms = {
      practitioner: [['/cases/DEMO-0001/drafts/new', 'Start the draft']],
      manager: [['/approvals', 'Return it']],
    }[user.role] || [];
    for (const [start, button] of forms) {
      await t.test(`${user.name}: "${button}", sent empty, follows the error pattern`, async () => {
        let url = `${demo.bridge}${start}`;
        if (start === '/approvals') {
          await gotoPatiently(page, url);
          const first = page.locator('main a[href^="/approvals/"]').first();
          assert.ok(await first.count(), 'something waits for approval');
          url = new URL(await first.getAttribute('href'), demo.bridge).href;
        }
        await gotoPatiently(page, url);
        await submitWithKeyboard(page, button, { url });
        assertNone(`bridge ${start}, "${button}" sent empty`, [
          ...(await errorPatternProblems(page)),
          ...(await checkPage(page, { serviceName: SERVICE })),
        ]);
      });
    }
    await context.close();
  });
}

// The demo has no administrator: one is made as the first admin is, with
// `familystory bridge add-staff`. When the demo's staff are missing, the
// administrator adds synthetic ones of each role.
test('an administrator (made with bridge add-staff) enrols; the staff pages and the add-staff form pass', async (t) => {
  const bin = process.env.FAMILYSTORY_BIN;
  assert.ok(bin, 'FAMILYSTORY_BIN is set by run.sh');
  const stamp = Date.now();
  const admin = { name: 'Alex Testadmin', role: 'admin', email: `alex.testadmin.${stamp}@council.example` };
  const printed = execFileSync(
    bin,
    ['bridge', 'add-staff', '--data-dir', demo.dataDir, '--email', admin.email, '--name', admin.name, '--role', 'admin'],
    { encoding: 'utf8' },
  );
  const link = printed.match(ENROL_LINK);
  assert.ok(link, `add-staff printed an enrolment link:\n${printed}`);
  const step = journey(t);
  let adminPage = null;
  const contexts = [];

  await step('the administrator enrols, and every page they reach passes', async (st) => {
    const { context, page } = await enrolAndCheck(st, admin, link[1], { signInAgain: demoLinks.size === 0, first: demoLinks.size === 0 });
    contexts.push(context);
    adminPage = page;
  });

  const url = `${demo.bridge}/admin/staff`;
  await step('the add-staff form, sent empty, follows the error pattern', async () => {
    await gotoPatiently(adminPage, url);
    await submitWithKeyboard(adminPage, 'Add and send the link', { url });
    assertNone('bridge /admin/staff, sent empty', [
      ...(await errorPatternProblems(adminPage)),
      ...(await checkPage(adminPage, { serviceName: SERVICE, shot: 'bridge-admin-staff-error' })),
    ]);
  });

  if (demoLinks.size === 0) {
    const members = [
      { name: 'Pat Testpractitioner', role: 'practitioner' },
      { name: 'Morgan Testmanager', role: 'manager' },
      { name: 'Jo Testofficer', role: 'ig_officer' },
    ].map((m) => ({ ...m, email: `${m.name.split(' ')[1].toLowerCase()}.${stamp}@council.example` }));
    for (const member of members) {
      await step(`${member.name} (${member.role}) is added, enrols from the emailed link, and every page they reach passes`, async (st) => {
        const since = Date.now() - 1000;
        await gotoPatiently(adminPage, url);
        await submitWithKeyboard(adminPage, 'Add and send the link', {
          url,
          fill: async () => {
            const form = adminPage.locator('form[action="/admin/staff"]');
            await form.locator('#name').fill(member.name);
            await form.locator('#email').fill(member.email);
            await form.locator(`input[name="role"][value="${member.role}"]`).check();
          },
        });
        const match = await waitForEmail(member.email, ENROL_LINK, { since, timeout: 10000 });
        assert.ok(match, `an enrolment link was emailed to ${member.email}`);
        const { context } = await enrolAndCheck(st, member, match[1]);
        contexts.push(context);
      });
    }
  }
  for (const context of contexts) await context.close();
});
