// The checks themselves: a good page passes, and each kind of fault in a
// deliberately bad page is caught. Without this, a check that silently
// stopped working would look like a pass.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newContext } from '../lib/browser.mjs';
import { aceViolations, autocompleteProblems, axeViolations, checkPage, keyboardProblems, reflowProblems, structureProblems } from '../lib/checks.mjs';
import { errorPatternProblems } from '../lib/forms.mjs';

const CSS = `
  *{box-sizing:border-box}body{font:18px/1.5 sans-serif;margin:0;color:#0b0c0c;background:#fff}
  main{max-width:40rem;margin:0 auto;padding:1rem}
  .skip{position:absolute;left:-9999px}.skip:focus{left:.5rem;top:.5rem;background:#ffdd00;color:#0b0c0c}
  :focus-visible{outline:3px solid #ffdd00;box-shadow:0 0 0 6px #0b0c0c}
  a{color:#1d4f91}a:focus-visible{background:#ffdd00;color:#0b0c0c}
  label{display:block}input{font:inherit;width:100%;max-width:100%;border:2px solid #0b0c0c;padding:.4rem}
  button{font:inherit;min-height:44px}`;

function doc(title, body, css = CSS) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${css}</style></head><body>${body}</body></html>`;
}

const GOOD = doc(
  'Sign in – Test service',
  `<header><a class="skip" href="#main">Skip to main content</a><a href="/">Test service</a></header>
   <main id="main" tabindex="-1"><h1>Sign in</h1>
     <form method="post" action="/x"><label for="email">Email address</label>
       <input id="email" name="email" type="email" autocomplete="email">
       <button type="submit">Continue</button></form>
     <p><a href="/help">Help</a></p></main>`,
);

const GOOD_ERRORS = doc(
  'Error: Sign in – Test service',
  `<a class="skip" href="#main">Skip to main content</a>
   <main id="main" tabindex="-1">
     <div class="error-summary" role="alert"><h2>There is a problem</h2><ul><li><a href="#email">Enter your email address</a></li></ul></div>
     <h1>Sign in</h1>
     <form method="post" action="/x"><div class="field error"><label for="email">Email address</label>
       <p class="error-message" id="email-error"><span>Error: </span>Enter your email address</p>
       <input id="email" name="email" type="email" autocomplete="email" aria-describedby="email-error" aria-invalid="true"></div>
       <button type="submit">Continue</button></form></main>`,
);

const BAD = doc(
  'Test service',
  `<div><h1>One</h1><h1>Two</h1>
     <img src="/x.png">
     <a href="/a" tabindex="2">First by tabindex</a>
     <a href="/b" style="outline:none;box-shadow:none" class="plain">No focus style</a>
     <form method="post" action="/x"><label for="e">Email</label><input id="e" name="email" type="email"></form>
     <div style="width:600px">Too wide</div></div>`,
  `${CSS} .plain:focus-visible{outline:none!important;box-shadow:none!important;background:transparent!important;color:#1d4f91!important}`,
);

const BAD_ERRORS = doc(
  'Sign in – Test service',
  `<main id="main"><h1>Sign in</h1>
     <div class="error-summary"><h2>Problems</h2><ul><li><a href="#nowhere">Something is wrong</a></li></ul></div>
     <form method="post" action="/x"><div class="field error"><label for="email">Email address</label>
       <input id="email" name="email" type="email" autocomplete="email">
       <p class="error-message">Enter your email</p></div></form></main>`,
);

// Two forms, as on an account page, that a screen reader names alike.
const SAME_FORMS = doc(
  'Your account – Test service',
  `<header><a class="skip" href="#main">Skip to main content</a></header>
   <main id="main" tabindex="-1"><h1>Your account</h1>
     <form method="post" action="/a"><button type="submit">Remove</button></form>
     <form method="post" action="/b"><button type="submit">Remove</button></form></main>`,
);

let browser;
let context;
let page;
before(async () => {
  browser = await launch();
  context = await newContext(browser);
  page = await context.newPage();
  const pages = { '/good': GOOD, '/good-errors': GOOD_ERRORS, '/bad': BAD, '/bad-errors': BAD_ERRORS, '/same-forms': SAME_FORMS };
  await page.route('http://checks.test/**', (route) => {
    const body = pages[new URL(route.request().url()).pathname];
    return route.fulfill({ status: body ? 200 : 404, contentType: 'text/html; charset=utf-8', body: body || 'no' });
  });
});
after(async () => {
  await browser?.close();
});

test('a good page passes every check', async () => {
  await page.goto('http://checks.test/good');
  assert.deepEqual(await checkPage(page, { serviceName: 'Test service' }), []);
});

test('a good error page passes the error-pattern check', async () => {
  await page.goto('http://checks.test/good-errors');
  assert.deepEqual(await errorPatternProblems(page), []);
});

test('a bad page fails each check', async () => {
  await page.goto('http://checks.test/bad');
  const structure = (await structureProblems(page, 'Test service')).join('\n');
  assert.match(structure, /does not name the page/);
  assert.match(structure, /2 h1 elements/);
  assert.match(structure, /0 main landmarks/);
  const keyboard = (await keyboardProblems(page)).join('\n');
  assert.match(keyboard, /tabindex=2/);
  assert.match(keyboard, /"No focus style" shows no visible focus indicator/);
  assert.match(keyboard, /not a "Skip to main content" link/);
  assert.match((await autocompleteProblems(page)).join('\n'), /#e has no autocomplete/);
  assert.match((await axeViolations(page)).join('\n'), /axe image-alt/);
  assert.match((await reflowProblems(page)).join('\n'), /at 320 CSS px wide: the page scrolls sideways .*div/);
});

test('two forms a screen reader would announce alike fail the Equal Access check', async () => {
  await page.goto('http://checks.test/same-forms');
  assert.match((await aceViolations(page)).join('\n'), /ace aria_form_label_unique/);
  await page.goto('http://checks.test/good');
  assert.deepEqual(await aceViolations(page), []);
});

test('a bad error page fails the error-pattern check', async () => {
  await page.goto('http://checks.test/bad-errors');
  const problems = (await errorPatternProblems(page)).join('\n');
  assert.match(problems, /does not start with "Error: "/);
  assert.match(problems, /not at the top of main/);
  assert.match(problems, /not announced \(role="alert"\)/);
  assert.match(problems, /no link to #email/);
  assert.match(problems, /not between its label and the field/);
  assert.match(problems, /not marked aria-invalid/);
  assert.match(problems, /"Something is wrong" \(#nowhere\) does not go to a field in error/);
});
