// The checks every page gets: axe-core against WCAG 2.0/2.1/2.2 A and AA,
// reflow at 320 CSS px and at 200% text, the keyboard alone with visible
// focus, the page's structure (one h1, a main landmark, a skip link that
// works, a title that names the page) and input purposes on forms. Each check
// returns the problems it found as sentences; no problems is a pass.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { DESKTOP, PHONE } from './browser.mjs';
import { repo } from './demo.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// IBM's Equal Access engine: a second opinion, with rules axe does not have
// (several forms on a page with the same accessible name, for one). Its rules
// ship inside the package, so it runs offline like axe.
const ACE_SOURCE = fs.readFileSync(require.resolve('accessibility-checker-engine/ace.js'), 'utf8');

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export const SCREENSHOTS = path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'accessibility-screenshots');

/** axe-core's violations of the WCAG A and AA rules, one line each. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, which the page's strict CSP
  // (script-src 'self') does not apply to.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.join(' ')),
      summary: v.nodes[0] && v.nodes[0].failureSummary,
    }));
  }, WCAG_TAGS);
  return violations.map(
    (v) =>
      `axe ${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}` +
      (v.summary ? ` -- ${v.summary.replace(/\s+/g, ' ')}` : '') +
      ` [${v.helpUrl}]`,
  );
}

/**
 * Rules whose reports were looked at and found wrong for these pages; each is
 * listed with its reason in accessibility/statement.md.
 * - input_checkboxes_grouped: it treats same-named checkboxes and radio
 *   buttons in different forms (one form a staff member on the admin page,
 *   one a family member on the case page) as one group; in HTML a group is
 *   per form, each of ours is in its own fieldset with a legend.
 */
const ACE_REVIEWED = ['input_checkboxes_grouped'];

/**
 * IBM Equal Access's violations (its IBM_Accessibility rule set, which holds
 * WCAG 2.2 A and AA and more), one line each. Only what it is sure of fails a
 * page: its "potential" violations and recommendations ask a person to look,
 * and the accessibility statement says which were looked at.
 */
export async function aceViolations(page) {
  await page.evaluate(ACE_SOURCE);
  const violations = await page.evaluate(async (reviewed) => {
    // eslint-disable-next-line no-undef
    const report = await new ace.Checker().check(document, ['IBM_Accessibility']);
    return report.results
      .filter((r) => r.value[0] === 'VIOLATION' && r.value[1] === 'FAIL')
      .filter((r) => !reviewed.includes(r.ruleId))
      .map((r) => ({ rule: r.ruleId, message: r.message, where: r.path && r.path.dom }));
  }, ACE_REVIEWED);
  return violations.map((v) => `ace ${v.rule}: ${v.message} at ${v.where}`);
}

/** One h1, one main landmark, a language, and a title that names the page. */
export async function structureProblems(page, serviceName) {
  const facts = await page.evaluate(() => ({
    lang: document.documentElement.getAttribute('lang') || '',
    title: document.title,
    h1s: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
    mains: document.querySelectorAll('main, [role="main"]').length,
  }));
  const problems = [];
  if (!facts.lang.trim()) problems.push('the html element has no lang');
  const pageName = facts.title.split(' – ')[0].trim();
  if (!facts.title.trim()) problems.push('the page has no <title>');
  else if (!pageName || pageName === serviceName || facts.title.trim() === serviceName) {
    problems.push(`the title "${facts.title}" does not name the page, only the service`);
  } else if (serviceName && !facts.title.endsWith(serviceName)) {
    problems.push(`the title "${facts.title}" does not end with the service name "${serviceName}"`);
  }
  if (facts.h1s.length !== 1) {
    problems.push(`the page has ${facts.h1s.length} h1 elements (${facts.h1s.map((h) => `"${h}"`).join(', ')}); it needs exactly one`);
  }
  if (facts.mains !== 1) problems.push(`the page has ${facts.mains} main landmarks; it needs exactly one`);
  return problems;
}

/**
 * Every text field says what it is for (WCAG 1.3.5): its purpose, or "off";
 * and a personal field that names a purpose names the right one.
 */
export async function autocompleteProblems(page) {
  const fields = await page.evaluate(() =>
    [...document.querySelectorAll('form input')]
      .filter((el) => !['hidden', 'submit', 'button', 'checkbox', 'radio', 'reset', 'image', 'file'].includes(el.type))
      .filter((el) => !el.closest('[hidden]'))
      .map((el) => ({ id: el.id, name: el.name, type: el.type, autocomplete: el.getAttribute('autocomplete') })),
  );
  const purposes = [
    [/(^|-)email$|^email/, ['email', 'username']],
    [/first-?name|given-?name/, ['given-name']],
    [/last-?name|family-?name|surname/, ['family-name']],
    [/full-?name|^your-?name$/, ['name']],
    [/dob-day|birth-day/, ['bday-day']],
    [/dob-month|birth-month/, ['bday-month']],
    [/dob-year|birth-year/, ['bday-year']],
    [/phone|mobile|^tel/, ['tel', 'tel-national']],
    [/postcode|post-code|postal/, ['postal-code']],
    [/address-line-?1/, ['address-line1']],
  ];
  const problems = [];
  for (const f of fields) {
    const key = (f.id || f.name || '').toLowerCase();
    if (f.autocomplete === null) {
      problems.push(`the field #${f.id || f.name} has no autocomplete attribute (say its purpose, or "off")`);
      continue;
    }
    const wanted = f.type === 'email' ? ['email', 'username'] : purposes.find(([re]) => re.test(key))?.[1];
    const given = f.autocomplete.trim().split(/\s+/).pop();
    // "off" is a deliberate answer: the field is not about the person using
    // the page (an administrator typing someone else's address). The form
    // tests check the person's own fields have their purpose.
    if (wanted && given !== 'off' && !wanted.includes(given)) {
      problems.push(`the field #${f.id || f.name} has autocomplete="${f.autocomplete}"; its purpose is ${wanted.join(' or ')}`);
    }
  }
  return problems;
}

/**
 * The keyboard alone: Tab from the top reaches every control in document
 * order, each with a visible focus indicator and on screen; the skip link
 * comes first, shows itself and moves focus to main.
 */
export async function keyboardProblems(page) {
  const problems = [];
  const focusables = await page.evaluate(() => {
    const selector =
      'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, iframe, [tabindex], [contenteditable]:not([contenteditable="false"]), audio[controls], video[controls]';
    const list = [];
    for (const el of document.querySelectorAll(selector)) {
      if (el.disabled) continue;
      const tabindex = el.getAttribute('tabindex');
      if (tabindex !== null && Number(tabindex) < 0) continue;
      if (el.closest('[hidden], [inert]')) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      if (!el.getClientRects().length) continue;
      // Not rendered (inside a closed <details>, say): not in the tab order, rightly.
      if (el.checkVisibility && !el.checkVisibility({ contentVisibilityAuto: true })) continue;
      el.setAttribute('data-a11y-index', String(list.length));
      const name = (el.getAttribute('aria-label') || el.textContent || el.value || el.id || el.name || '').trim().replace(/\s+/g, ' ');
      list.push({
        tag: el.tagName.toLowerCase(),
        name: name.slice(0, 60),
        href: el.getAttribute('href'),
        tabindex: tabindex === null ? null : Number(tabindex),
        // Tab reaches one radio button of a group; the arrow keys the rest.
        radioGroup: el.type === 'radio' && el.name ? `${el.form ? [...document.forms].indexOf(el.form) : -1}:${el.name}` : null,
      });
    }
    return list;
  });
  const describe = (i) => `${focusables[i].tag} "${focusables[i].name}"`;
  for (const [i, f] of focusables.entries()) {
    if (f.tabindex > 0) problems.push(`${describe(i)} has tabindex=${f.tabindex}: the tab order must follow the page`);
  }

  // How each control looks without focus, to compare with how it looks with it.
  const unfocused = await page.evaluate(() =>
    [...document.querySelectorAll('[data-a11y-index]')].map((el) => {
      const s = getComputedStyle(el);
      return {
        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : 'none',
        shadow: s.boxShadow,
        background: s.backgroundColor,
        color: s.color,
        decoration: s.textDecorationLine,
        border: `${s.borderTopColor} ${s.borderBottomWidth} ${s.borderBottomColor}`,
      };
    }),
  );

  await page.evaluate(() => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    window.scrollTo(0, 0);
  });
  const order = [];
  for (let step = 0; step < focusables.length + 3; step++) {
    await page.keyboard.press('Tab');
    const state = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body || el === document.documentElement) return null;
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return {
        index: el.hasAttribute('data-a11y-index') ? Number(el.getAttribute('data-a11y-index')) : -1,
        description: `${el.tagName.toLowerCase()} "${(el.textContent || el.id || '').trim().replace(/\s+/g, ' ').slice(0, 60)}"`,
        focusVisible: el.matches(':focus-visible'),
        look: {
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : 'none',
          shadow: s.boxShadow,
          background: s.backgroundColor,
          color: s.color,
          decoration: s.textDecorationLine,
          border: `${s.borderTopColor} ${s.borderBottomWidth} ${s.borderBottomColor}`,
        },
        onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
        contrast: (() => {
          // Text against what is behind it, while focused (WCAG 1.4.3 holds in every state).
          if (!el.textContent.trim() || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) return null;
          const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
          const luminance = ([r, g, b]) => {
            const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          let bg = null;
          for (let n = el; n; n = n.parentElement) {
            const c = rgba(getComputedStyle(n).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) {
              bg = c.slice(0, 3);
              break;
            }
          }
          bg = bg || [255, 255, 255];
          const fg = rgba(s.color).slice(0, 3);
          const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
          const ratio = (a + 0.05) / (b + 0.05);
          const size = parseFloat(s.fontSize);
          const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
          return { ratio: Math.round(ratio * 100) / 100, needed: large ? 3 : 4.5, fg: s.color, bg: `rgb(${bg.join(', ')})` };
        })(),
      };
    });
    if (!state) break; // focus left the page: the end of the tab order
    if (state.index < 0) {
      problems.push(`Tab reached ${state.description}, which is not a visible control`);
      continue;
    }
    if (order.includes(state.index)) break; // wrapped round
    order.push(state.index);
    const before = unfocused[state.index];
    const changed = ['outline', 'shadow', 'background', 'color', 'decoration', 'border'].filter((k) => before[k] !== state.look[k]);
    const indicator =
      (state.look.outline !== 'none' && before.outline !== state.look.outline) ||
      (state.look.shadow !== 'none' && before.shadow !== state.look.shadow) ||
      before.background !== state.look.background;
    if (!indicator) {
      problems.push(
        `${describe(state.index)} shows no visible focus indicator (changed: ${changed.join(', ') || 'nothing'}; outline ${state.look.outline}, box-shadow ${state.look.shadow})`,
      );
    }
    if (!state.onScreen) problems.push(`${describe(state.index)} is off screen when it has focus`);
    if (state.contrast && state.contrast.ratio < state.contrast.needed) {
      problems.push(
        `${describe(state.index)} has text contrast ${state.contrast.ratio}:1 when focused (${state.contrast.fg} on ${state.contrast.bg}); it needs ${state.contrast.needed}:1`,
      );
    }
  }
  const reachedGroups = new Set(order.map((i) => focusables[i].radioGroup).filter(Boolean));
  const missed = focusables
    .map((_, i) => i)
    .filter((i) => !order.includes(i) && !(focusables[i].radioGroup && reachedGroups.has(focusables[i].radioGroup)));
  for (const i of missed) problems.push(`${describe(i)} cannot be reached with Tab`);
  for (let k = 1; k < order.length; k++) {
    if (order[k] < order[k - 1]) {
      problems.push(`Tab goes from ${describe(order[k - 1])} back to ${describe(order[k])}: the order does not follow the page`);
      break;
    }
  }

  // The skip link: first, shown on focus, and it moves focus to main.
  const first = focusables[order[0]];
  if (!first || !/^#/.test(first.href || '') || !/skip/i.test(first.name)) {
    problems.push(`the first thing Tab reaches is ${first ? describe(order[0]) : 'nothing'}, not a "Skip to main content" link`);
  } else {
    const skip = page.locator(`[data-a11y-index="${order[0]}"]`);
    await skip.focus();
    const target = first.href.slice(1);
    await page.keyboard.press('Enter');
    const landed = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el ? el.tagName.toLowerCase() : null, id: el ? el.id : null };
    });
    if (landed.id !== target || landed.tag !== 'main') {
      problems.push(`the skip link goes to #${target} but focus landed on ${landed.tag}#${landed.id}, not main`);
    }
    const firstInMain = await page.evaluate(
      () => [...document.querySelectorAll('[data-a11y-index]')].find((el) => el.closest('main'))?.getAttribute('data-a11y-index') ?? null,
    );
    if (firstInMain !== null) {
      await page.keyboard.press('Tab');
      const next = await page.evaluate(() => document.activeElement?.getAttribute('data-a11y-index') ?? null);
      if (next !== firstInMain) {
        problems.push(`after the skip link, Tab went to ${next === null ? 'nothing' : describe(Number(next))}, not the first control in main`);
      }
    }
  }
  await page.evaluate(() => {
    document.activeElement?.blur();
    for (const el of document.querySelectorAll('[data-a11y-index]')) el.removeAttribute('data-a11y-index');
    if (location.hash === '#main') history.replaceState(null, '', location.pathname + location.search);
    window.scrollTo(0, 0);
  });
  return problems;
}

/** Whether the page scrolls sideways at the current size, naming what sticks out. */
async function sidewaysScroll(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth <= width) return null;
    const scrolls = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
      }
      return false;
    };
    const offenders = [...document.body.querySelectorAll('*')]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.right > width && r.width > 0 && !scrolls(el);
      })
      .filter((el, _, all) => !all.some((other) => other !== el && other.contains(el)))
      .slice(0, 5)
      .map((el) => {
        const cls = el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls} (${Math.round(el.getBoundingClientRect().width)}px wide)`;
      });
    return { scrollWidth: root.scrollWidth, width, offenders };
  });
}

/** Reflow (WCAG 1.4.10) at 320 CSS px and text resized to 200% (WCAG 1.4.4). */
export async function reflowProblems(page) {
  const problems = [];
  const report = (what, found) =>
    problems.push(
      `${what}: the page scrolls sideways (${found.scrollWidth}px of content in ${found.width}px)` +
        (found.offenders.length ? `; too wide: ${found.offenders.join(', ')}` : ''),
    );
  await page.setViewportSize({ width: 320, height: 640 });
  let found = await sidewaysScroll(page);
  if (found) report('at 320 CSS px wide', found);
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '200%';
    });
    found = await sidewaysScroll(page);
    if (found) report(`with text at 200% at ${size.width} CSS px wide`, found);
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '';
    });
  }
  await page.setViewportSize(DESKTOP);
  return problems;
}

/** A full-page picture at phone size, for people to look at. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, '')}.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

/**
 * Every check on the page as it is now loaded. `serviceName` is what titles
 * end with; `shot` names a screenshot to save.
 */
export async function checkPage(page, { serviceName, shot } = {}) {
  const problems = [];
  problems.push(...(await structureProblems(page, serviceName)));
  problems.push(...(await keyboardProblems(page)));
  problems.push(...(await autocompleteProblems(page)));
  // axe at phone size, as families use it, after the keyboard pass so its
  // markers are gone.
  await page.setViewportSize(PHONE);
  problems.push(...(await axeViolations(page)));
  problems.push(...(await aceViolations(page)));
  await page.setViewportSize(DESKTOP);
  problems.push(...(await reflowProblems(page)));
  if (shot) await screenshot(page, shot);
  return problems;
}

/** A readable failure message: the page, then one problem a line. */
export function explain(where, problems) {
  return `${where}: ${problems.length} problem(s)\n  - ${problems.join('\n  - ')}`;
}

/** Fails with one problem a line (and no diff of arrays) unless there are none. */
export function assertNone(where, problems) {
  if (problems.length) {
    const error = new Error(explain(where, problems));
    error.stack = error.message;
    throw error;
  }
}
