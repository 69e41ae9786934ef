// A public XSS list through the real publish-and-render path, in Chromium.
// Every vector of the OWASP XSS Filter Evasion Cheat Sheet
// (data/owasp-xss-filter-evasion.json, with its provenance and licence) is
// published, as title and body, to a synthetic family member through the
// portal's signed internal API, as the bridge publishes; the person signs in
// with their invitation code and opens every item, and their home page that
// lists them all. On every page: no dialog, no console output and no
// security-policy violation (traps set before any page script runs), no
// request that leaves the portal's origin or asks it for anything but the
// page and its static files, and nothing in the DOM that could run (script,
// event-handler attributes, javascript:/data:/vbscript: URLs, style). A
// control page proves each trap fires.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { demo, here, internalPut, inviteSyntheticPerson } from '../lib/demo.mjs';
import { submitWithKeyboard } from '../lib/forms.mjs';

const LIST = JSON.parse(fs.readFileSync(path.join(here, '..', 'data', 'owasp-xss-filter-evasion.json'), 'utf8'));

/** Runs in every page before its own scripts: whatever an injected script would call, recorded. */
function installTraps() {
  const fired = [];
  Object.defineProperty(window, '__xssFired', { value: fired });
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
    window[name] = () => {
      fired.push(name);
    };
  }
  for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
    console[name] = () => {
      fired.push(`console.${name}`);
    };
  }
  document.addEventListener('securitypolicyviolation', (e) => fired.push(`csp ${e.effectiveDirective} ${e.blockedURI}`));
}

/** What in the page's DOM could run or load something. */
function dangerousDom() {
  const found = [];
  const allowedScripts = ['/static/exit.js', '/static/passkey.js'];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['iframe', 'object', 'embed', 'img', 'svg', 'math', 'style', 'base', 'frame', 'frameset', 'video', 'audio', 'source', 'form', 'input', 'textarea', 'button', 'template', 'noscript'].includes(tag) && el.closest('main')) {
      found.push(`<${tag}> in main`);
    }
    if (tag === 'script' && !allowedScripts.includes(new URL(el.src || 'inline:', location.href).pathname)) {
      found.push(`<script ${el.src || 'inline'}>`);
    }
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${name} on <${tag}>`);
      if (name === 'style' && el.closest('main')) found.push(`style on <${tag}>`);
      const value = attr.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc', 'background', 'poster'].includes(name) && /^(javascript|data|vbscript):/.test(value)) {
        found.push(`${name}=${attr.value.slice(0, 40)} on <${tag}>`);
      }
    }
  }
  return found;
}

let browser;
let context;
let page;
const events = [];

before(async () => {
  browser = await launch();
  context = await newContext(browser);
  await context.addInitScript(installTraps);
  const origin = new URL(demo.portal).origin;
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin) {
      events.push(`request to another origin: ${request.url().slice(0, 80)}`);
    } else if (!/^\/(items\/[0-9a-f-]+|home|start|account\/setup|static\/[a-z]+\.(css|js))$/.test(url.pathname) && !url.hostname.endsWith('.test')) {
      events.push(`unexpected request: ${request.method()} ${url.pathname}`);
    }
  });
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    events.push(`dialog: ${dialog.type()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('console', (message) => events.push(`console: ${message.type()}`));
  page.on('pageerror', (error) => events.push(`page error: ${error.message.slice(0, 80)}`));
});

after(async () => {
  await browser?.close();
});

/** Everything that fired or was found on the current page (and clears the log). */
async function findings() {
  await page.waitForLoadState('load');
  // A moment for load/error handlers and timers an injection would use.
  await page.waitForTimeout(50);
  const fired = await page.evaluate(() => window.__xssFired ?? ['traps missing']);
  const dom = await page.evaluate(dangerousDom);
  return [...events.splice(0), ...fired, ...dom];
}

test('the traps and the DOM scan catch a script that runs (control)', async () => {
  await page.route('http://xss-control.test/**', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><title>x</title><main><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">x</a></main><script>console.log(3)</script>',
    }),
  );
  await page.goto('http://xss-control.test/');
  const found = await findings();
  for (const want of ['alert', 'console.log', 'onerror on <img>', '<img> in main', 'href=javascript:alert(2) on <a>']) {
    assert.ok(found.some((f) => f.startsWith(want)), `the control page shows ${want}: ${JSON.stringify(found)}`);
  }
  await page.unroute('http://xss-control.test/**');
});

test(`${LIST.vectors.length} OWASP filter-evasion vectors, published and read, run nothing`, { timeout: 900_000 }, async (t) => {
  assert.ok(LIST.vectors.length > 100, 'the whole list is there');
  const person = await inviteSyntheticPerson({ firstName: 'Alex', surname: 'Vectorfield', dob: '2012-08-19', role: 'child' });
  const items = [];
  for (const [i, { vector }] of LIST.vectors.entries()) {
    const id = crypto.randomUUID();
    await internalPut(`/internal/v1/publications/${id}`, {
      version: 1,
      kind: 'letter',
      title: `Vector ${i + 1} ${vector}`.slice(0, 200),
      body_markdown: `Before the vector.\n\n${vector}\n\nInline: ${vector.replace(/\n/g, ' ')} (end)\n\n- in a list: ${vector.replace(/\n/g, ' ')}\n> in a quote: ${vector.replace(/\n/g, ' ')}\n`,
      audience: [person.id],
      published_at: Math.floor(Date.now() / 1000),
    });
    items.push({ id, i });
  }

  const url = `${demo.portal}/start`;
  await page.goto(url);
  const [y, m, d] = person.dob.split('-');
  await submitWithKeyboard(page, 'Continue', {
    url,
    fill: async () => {
      await page.fill('#code', person.code);
      await page.fill('#first-name', person.firstName);
      await page.fill('#dob-day', String(Number(d)));
      await page.fill('#dob-month', String(Number(m)));
      await page.fill('#dob-year', y);
    },
  });
  assert.equal(new URL(page.url()).pathname, '/account/setup', 'signed in with the invitation');
  events.splice(0);

  const failures = [];
  const started = Date.now();
  for (const { id, i } of items) {
    const response = await page.goto(`${demo.portal}/items/${id}`);
    assert.equal(response.status(), 200, `item for vector ${i + 1}`);
    assert.match(await page.locator('h1').innerText(), new RegExp(`^Vector ${i + 1}\\b`));
    const found = await findings();
    if (new URL(page.url()).pathname !== `/items/${id}`) found.push(`navigated to ${page.url()}`);
    if (found.length) failures.push({ vector: i + 1, text: LIST.vectors[i].vector.slice(0, 80), found });
  }
  await page.goto(`${demo.portal}/home`);
  const onHome = await findings();
  if (onHome.length) failures.push({ vector: 'all, on /home', found: onHome });
  t.diagnostic(`${items.length} items opened (${Math.round((Date.now() - started) / items.length)} ms each), ${failures.length} with findings`);
  assert.deepEqual(failures, [], JSON.stringify(failures, null, 1));
});
