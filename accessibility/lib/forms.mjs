// The GOV.UK Design System's error pattern, and sending forms the way a
// keyboard user does.
import fs from 'node:fs';
import path from 'node:path';

import { demo, sleep } from './demo.mjs';

// The services' sign-in rate limit (familystory demo: a burst of 10, then one
// more every 6 seconds, per client address) covers these paths. The suite
// keeps its own count, shared by every test file through a file in the demo's
// data folder, and waits before it would be refused.
const LIMITED = [/^\/start$/, /^\/sign-in(\/|$)/, /^\/account\/email/, /^\/enrol\//];
const BURST = 9;
const EVERY_MS = 6000;

/** Waits until `cost` more requests to a rate-limited path of `origin` would be allowed. */
export async function pace(origin, cost = 1) {
  const file = path.join(demo.dataDir, `a11y-rate-${new URL(origin).port}.json`);
  for (;;) {
    let state = { tokens: BURST, at: Date.now() };
    try {
      state = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {}
    const now = Date.now();
    const tokens = Math.min(BURST, state.tokens + (now - state.at) / EVERY_MS);
    if (tokens >= cost) {
      fs.writeFileSync(file, JSON.stringify({ tokens: tokens - cost, at: now }));
      return;
    }
    await sleep(Math.ceil((cost - tokens) * EVERY_MS) + 100);
  }
}

/** Paces a request to `url` if its path is rate limited. */
export async function paceFor(url, cost = 1) {
  const u = new URL(url);
  if (LIMITED.some((re) => re.test(u.pathname))) await pace(u.origin, cost);
}

/**
 * After a form came back with errors: "Error: " starts the title; an error
 * summary at the top of main, before the h1, links to each field in error;
 * each of those fields has its message beside it (inside its .field.error or
 * .form-group-error, before the input), announced with the input (aria-describedby) and marked invalid.
 */
export async function errorPatternProblems(page) {
  const facts = await page.evaluate(() => {
    const main = document.querySelector('main');
    const summary = main && main.querySelector('.error-summary');
    const h1 = main && main.querySelector('h1');
    const text = (el) => (el ? el.textContent.replace(/^\s*Error:\s*/, '').trim().replace(/\s+/g, ' ') : '');
    const fields = [...document.querySelectorAll('.field.error, .form-group-error, .govuk-form-group--error')].map((field) => {
      const message = field.querySelector('.error-message');
      const controls = [...field.querySelectorAll('input, select, textarea')];
      const group = field.querySelector('fieldset');
      const describedBy = (el) => (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
      return {
        ids: controls.map((c) => c.id),
        message: text(message),
        messageId: message ? message.id : null,
        messageBeforeControl: !!(message && controls[0] && message.compareDocumentPosition(controls[0]) & Node.DOCUMENT_POSITION_FOLLOWING),
        described: controls.map((c) => describedBy(c).includes(message?.id) || (group && describedBy(group).includes(message?.id))),
        invalid: controls.map((c) => c.getAttribute('aria-invalid') === 'true'),
      };
    });
    return {
      title: document.title,
      hasSummary: !!summary,
      summaryBeforeH1: !!(summary && h1 && summary.compareDocumentPosition(h1) & Node.DOCUMENT_POSITION_FOLLOWING),
      summaryRole: summary ? summary.getAttribute('role') : null,
      summaryHeading: summary ? text(summary.querySelector('h2')) : '',
      links: summary ? [...summary.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), text: text(a) })) : [],
      fields,
    };
  });
  const problems = [];
  if (!facts.title.startsWith('Error: ')) problems.push(`the title "${facts.title}" does not start with "Error: "`);
  if (!facts.hasSummary) return [...problems, 'there is no error summary (.error-summary) in main'];
  if (!facts.summaryBeforeH1) problems.push('the error summary is not at the top of main, before the h1');
  if (facts.summaryRole !== 'alert') problems.push('the error summary is not announced (role="alert")');
  if (facts.summaryHeading !== 'There is a problem') problems.push(`the error summary's heading is "${facts.summaryHeading}", not "There is a problem"`);
  if (facts.fields.length === 0) problems.push('no field is marked as being in error');
  for (const field of facts.fields) {
    const name = `#${field.ids[0]}`;
    const link = facts.links.find((l) => field.ids.includes((l.href || '').replace(/^#/, '')));
    if (!link) problems.push(`the summary has no link to ${name}`);
    else if (link.text !== field.message) problems.push(`the summary says "${link.text}" but ${name} says "${field.message}"`);
    if (!field.message) problems.push(`${name} has no error message beside it`);
    else if (!field.messageBeforeControl) problems.push(`${name}'s error message is not between its label and the field`);
    if (!field.messageId || field.described.some((d) => !d)) problems.push(`${name}'s error message is not announced with it (aria-describedby)`);
    if (field.invalid.some((v) => !v)) problems.push(`${name} is not marked aria-invalid="true"`);
  }
  for (const link of facts.links) {
    if (!facts.fields.some((f) => f.ids.includes((link.href || '').replace(/^#/, '')))) {
      problems.push(`the summary link "${link.text}" (${link.href}) does not go to a field in error`);
    }
  }
  return problems;
}

/** Whether the page is the rate limiter's "Please wait a moment". */
async function rateLimited(page) {
  return (await page.title()).startsWith('Please wait a moment');
}

/**
 * Submits a form with the keyboard: Tab to its submit button (focus it, then
 * press Enter) and wait for the next page. If the sign-in rate limit answers,
 * waits for it and tries again from `url` after `fill` (which refills the form).
 */
export async function submitWithKeyboard(page, buttonText, { fill = async () => {}, url = null, form = 'main form' } = {}) {
  for (let attempt = 0; attempt < 6; attempt++) {
    await fill();
    const button = page.locator(`${form} button[type="submit"]:visible`, { hasText: buttonText }).first();
    await button.focus();
    await paceFor(await button.evaluate((b) => b.form.action));
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    if (!(await rateLimited(page))) return response;
    await sleep(7000);
    if (url) await page.goto(url);
    else await page.goBack();
  }
  throw new Error('the sign-in rate limit did not let up');
}

/** Goes to `url`, waiting out the rate limit if it answers 429. */
export async function gotoPatiently(page, url) {
  for (let attempt = 0; attempt < 6; attempt++) {
    await paceFor(url);
    const response = await page.goto(url, { waitUntil: 'load' });
    if (!response || response.status() !== 429) return response;
    await sleep(7000);
  }
  throw new Error(`${url}: the rate limit did not let up`);
}
