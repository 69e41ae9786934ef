// The portal as anyone sees it before signing in: every page reachable from
// the start page, every help explainer, and the "page not found" page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { assertNone, checkPage } from '../lib/checks.mjs';
import { crawl } from '../lib/crawl.mjs';
import { demo, repo } from '../lib/demo.mjs';

const SERVICE = 'FamilyStory';
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Pictures of the main pages at phone size. */
const shots = (p) => {
  const main = { '/': 'portal-start', '/sign-in': 'portal-sign-in', '/start': 'portal-start-with-code', '/help': 'portal-help', '/accessibility': 'portal-accessibility-statement', '/privacy': 'portal-privacy-notice', '/signed-out': 'portal-signed-out' };
  if (main[p]) return main[p];
  if (p === '/help/children-child-protection-plan') return 'portal-help-explainer-children';
  if (p === '/help/parents-child-protection-plan') return 'portal-help-explainer-parents';
  return null;
};

test('every public portal page passes', async (t) => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const checked = await crawl(t, page, {
    origin: demo.portal,
    seeds: ['/', '/sign-in', '/start', '/help', '/accessibility', '/privacy', '/signed-out', '/paused', '/sign-in/link?token=example'],
    serviceName: SERVICE,
    label: 'portal',
    shots,
    // "Messages" is in every page's header; signed out it leads to sign in.
    // The signed-in crawls check it.
    skip: (p) => p === '/messages',
  });
  // Every explainer is linked from somewhere and was checked.
  const explainers = fs
    .readdirSync(path.join(repo, 'content', 'explainers'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `/help/${f.replace(/\.md$/, '')}`);
  const missed = explainers.filter((p) => !checked.includes(p));
  assert.deepEqual(missed, [], `explainers no page links to: ${missed.join(', ')}`);
  await context.close();
});

test('the page-not-found page passes and says 404', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const response = await page.goto(`${demo.portal}/no-such-page`);
  assert.equal(response.status(), 404);
  const problems = await checkPage(page, { serviceName: SERVICE, shot: 'portal-not-found' });
  assertNone('portal /no-such-page', problems);
  await context.close();
});
