// Visits every page reachable by links from the seeds, on one origin, and
// runs every check on each, as one subtest per page.
import assert from 'node:assert/strict';

import { assertNone, checkPage } from './checks.mjs';
import { gotoPatiently } from './forms.mjs';

/**
 * Never followed: assets, single-use links, /exit, which signs out and
 * leaves the site, and downloads (a subject access ZIP, whose every download
 * is a ledger entry, and CSV). Every other GET is safe to visit (the services change
 * things only on POST), so pages such as the withdrawal form are checked.
 */
export const NEVER_FOLLOW = [/\/static\//, /\/enrol\//, /\/sign-in\/link\b/, /^\/exit$/, /\/export$/, /\.csv$/];

/** Followed last: visiting is safe, but they are about leaving. */
const LAST = /\/sign-out/;

/** /items/5f0c…, /cases/DEMO-0001, /governance/entries/52 → /items/:id, /cases/:id, /governance/entries/:id: a few of each kind are enough. */
export function pattern(pathname) {
  return pathname
    .split('/')
    .map((seg) => ((/[0-9]/.test(seg) && seg.length >= 4) || /^[0-9]+$/.test(seg) ? ':id' : seg))
    .join('/');
}

const PER_PATTERN = 3;
const MAX_PAGES = 120;

/**
 * Crawls `origin` from `seeds` (paths) with `page`, one subtest of `t` per
 * page. `skip(path)` leaves out pages checked elsewhere: they are not
 * visited. Returns the paths checked.
 */
export async function crawl(t, page, { origin, seeds, serviceName, label, skip = () => false, shots = () => null, expect = {} }) {
  const queued = new Set();
  const perPattern = new Map();
  const queue = [];
  const last = [];
  const visited = [];
  const add = (href, seed = false) => {
    let url;
    try {
      url = new URL(href, origin);
    } catch {
      return;
    }
    if (url.origin !== new URL(origin).origin) return;
    url.hash = '';
    const key = url.pathname + url.search;
    if (queued.has(key)) return;
    if (!seed && NEVER_FOLLOW.some((re) => re.test(url.pathname))) return;
    const kind = pattern(url.pathname);
    if ((perPattern.get(kind) || 0) >= PER_PATTERN) return;
    perPattern.set(kind, (perPattern.get(kind) || 0) + 1);
    queued.add(key);
    (LAST.test(url.pathname) ? last : queue).push(key);
  };
  seeds.forEach((s) => add(s, true));
  while (queue.length || last.length) {
    const key = queue.length ? queue.shift() : last.shift();
    if (visited.length >= MAX_PAGES) {
      assert.fail(`${label}: more than ${MAX_PAGES} pages; raise MAX_PAGES in lib/crawl.mjs if that is right`);
    }
    if (skip(key.split('?')[0])) continue;
    await t.test(`${label} ${key}`, async (st) => {
      const response = await gotoPatiently(page, origin + key);
      const status = response ? response.status() : 0;
      const type = response ? response.headers()['content-type'] || '' : '';
      if (!type.startsWith('text/html')) {
        st.diagnostic(`not a page (${type}); not checked`);
        return;
      }
      const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
      // Not forEach(add): its index argument would mark every link but the first a seed.
      links.forEach((href) => add(href));
      const landed = new URL(page.url());
      const landedKey = landed.pathname + landed.search;
      const wanted = expect[key] ?? 200;
      assert.equal(status, wanted, `${label} ${key} answered ${status}${landedKey !== key ? ` at ${landedKey}` : ''}`);
      if (landed.pathname === '/sign-in' && !key.startsWith('/sign-in')) {
        assert.fail(`${label} ${key} sent the browser to sign in: the session was lost or the page refused it`);
      }
      if (landedKey !== key) queued.add(landedKey);
      if (visited.includes(landedKey)) {
        st.diagnostic(`redirected to ${landedKey}, checked already`);
        return;
      }
      visited.push(landedKey);
      const problems = await checkPage(page, { serviceName, shot: shots(landedKey) });
      assertNone(`${label} ${landedKey}`, problems);
    });
  }
  return visited;
}
