// Signing a family member in the way a person does when they have no passkey
// to hand: ask for a code by email, read it from the demo's outbox, type it.
import assert from 'node:assert/strict';

import { demo, waitForEmail } from './demo.mjs';
import { submitWithKeyboard } from './forms.mjs';

/** Asks for a sign-in code for `email` and signs in with it; false if no email came. */
export async function signInWithEmailCode(page, email) {
  const url = `${demo.portal}/sign-in`;
  await page.goto(url);
  const since = Date.now() - 1000;
  await submitWithKeyboard(page, 'Email me a code', { url, fill: () => page.fill('#email', email) });
  assert.ok(await page.locator('#code').count(), 'the code page asks for the code');
  const match = await waitForEmail(email, /sign-in code is (\d{6})/, { since, timeout: 6000 });
  if (!match) return false;
  await submitWithKeyboard(page, 'Sign in', { fill: () => page.fill('#code', match[1]) });
  assert.equal(new URL(page.url()).pathname, '/home', 'the code signs in and lands on /home');
  return true;
}
