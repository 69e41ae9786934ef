// Chromium from Debian's package, driven by playwright-core. Never a
// downloaded browser; nothing leaves the machine.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { repo } from './demo.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A fresh Chromium. Playwright gives every launch a new, empty profile
 * directory of its own (--user-data-dir in a temporary folder) and removes
 * it on close.
 */
export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/**
 * A new context (its own cookies): any request that would leave the machine
 * is answered here with a neutral stand-in page, so "Exit this page" can be
 * followed without a network.
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  await context.route(/^https?:\/\/(?!localhost[:/]|127\.0\.0\.1[:/])/, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><html lang="en"><title>Weather</title><h1>Weather</h1></html>',
    }),
  );
  // For trying a stylesheet change without rebuilding the binary:
  // A11Y_SITE_CSS=content/static/site.css serves that file in its place.
  if (process.env.A11Y_SITE_CSS) {
    const css = fs.readFileSync(path.resolve(repo, process.env.A11Y_SITE_CSS), 'utf8');
    await context.route(/\/static\/site\.css$/, (route) => route.fulfill({ status: 200, contentType: 'text/css', body: css }));
  }
  context.setDefaultTimeout(15000);
  return context;
}

/**
 * Chromium's WebAuthn virtual authenticator on this page: a platform
 * authenticator (like a phone's screen lock) that holds discoverable
 * credentials and verifies its user. Returns the CDP session and its id.
 */
export async function addVirtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}
