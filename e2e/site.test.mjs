// Browser end-to-end tests for Marquee.
//
// Runs with node's built-in test runner:  node --test site.test.mjs
// (shared helpers: helpers.mjs; the admin area is tested by admin.test.mjs)
// Starts its own server:  $MARQUEE_BIN serve --demo --data <tmp> --listen 127.0.0.1:<free port>
// (MARQUEE_BIN defaults to ../target/debug/marquee, then ../target/release/marquee)
// and drives the system Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE,
  SCREENSHOT_DIR,
  TEST_TIMEOUT_MS,
  startServer,
  stopServer,
  launchBrowser,
  formatViolations,
  axeViolations,
  loadLazyImages,
  reviewPageProblems,
  reviewPartsOrder,
  assertPartsInOrder,
  runCli,
} from './helpers.mjs';

const NOT_FOUND_PATH = '/this-page-does-not-exist-e2e';

let server = null; // { child, base, dataRoot, log: string[], exited } (see helpers.mjs startServer)

// ---------------------------------------------------------------------------
// discovery of one URL per page type

async function getHtml(pathname) {
  const res = await fetch(server.base + pathname, { redirect: 'follow' });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body };
}

function decodeEntities(s) {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/gi, '/')
    .replace(/&#47;/g, '/')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

// All same-origin link paths (pathname + search) in an HTML document.
function linkPaths(html) {
  const out = [];
  for (const m of html.matchAll(/<a\b[^>]*?\shref\s*=\s*("([^"]*)"|'([^']*)')/gi)) {
    const raw = decodeEntities(m[2] ?? m[3] ?? '');
    let u;
    try {
      u = new URL(raw, server.base + '/');
    } catch {
      continue;
    }
    if (u.origin !== new URL(server.base).origin) continue;
    out.push(u.pathname + u.search);
  }
  return out;
}

// First link whose path is PREFIX + a non-empty slug, searched in the given documents in order.
function firstLink(docs, prefix, slugPattern = /^[^/?#]+\/?$/) {
  for (const html of docs) {
    for (const p of linkPaths(html)) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length).split('?')[0];
      if (rest && slugPattern.test(rest)) return p.split('?')[0];
    }
  }
  return null;
}

const urls = {}; // page type -> path (or null when not found)
const discoveryNotes = [];

async function discover() {
  const home = await getHtml('/');
  assert.equal(home.status, 200, `GET / answered ${home.status}`);
  urls.home = '/';
  urls.review = firstLink([home.body], '/reviews/');
  if (!urls.review) {
    discoveryNotes.push('no /reviews/ link on the home page');
    return;
  }
  const review = await getHtml(urls.review);
  const idx = {};
  for (const p of ['/films', '/genres', '/years', '/scores']) {
    idx[p] = (await getHtml(p)).body;
  }
  urls.film = firstLink([review.body, idx['/films'], home.body], '/films/');
  urls.person = firstLink([review.body, home.body], '/people/');
  urls.year = firstLink([review.body, idx['/years'], home.body], '/years/', /^\d{4}\/?$/);
  urls.genre = firstLink([review.body, idx['/genres'], home.body], '/genres/');
  urls.tag = firstLink([review.body, home.body], '/tags/');
  urls.scoreBand = firstLink([review.body, idx['/scores'], home.body], '/scores/');
  urls.writer = firstLink([review.body, home.body], '/writers/');
  if (!urls.person && urls.film) urls.person = firstLink([(await getHtml(urls.film)).body], '/people/');

  // Home page 2 "if it exists": linked from the home page, or answering 200 with review cards.
  const linksPage2 = linkPaths(home.body).some((p) => /^\/\?(.*&)?page=2(&|$)/.test(p));
  const p2 = await getHtml('/?page=2');
  if (linksPage2 || (p2.status === 200 && /class="[^"]*\breview-card\b/.test(p2.body))) {
    urls.home2 = '/?page=2';
  } else {
    discoveryNotes.push(`home page 2 does not exist (GET /?page=2 -> ${p2.status}, no link to it on /)`);
  }
}

function pageList() {
  const list = [
    { name: 'home', path: urls.home },
    ...(urls.home2 ? [{ name: 'home page 2', path: urls.home2 }] : []),
    { name: 'review', path: urls.review },
    { name: 'film', path: urls.film },
    { name: 'person', path: urls.person },
    { name: 'year', path: urls.year },
    { name: 'genre', path: urls.genre },
    { name: 'tag', path: urls.tag },
    { name: 'score band', path: urls.scoreBand },
    { name: 'writer', path: urls.writer },
    { name: 'films index', path: '/films' },
    { name: 'years index', path: '/years' },
    { name: 'genres index', path: '/genres' },
    { name: 'scores index', path: '/scores' },
    { name: '404', path: NOT_FOUND_PATH, status: 404 },
  ];
  return list;
}

// ---------------------------------------------------------------------------
// browser helpers

let browser = null;

async function newContext(opts = {}) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
}

async function openPage(ctx, pathname, expectStatus = 200) {
  const page = await ctx.newPage();
  const res = await page.goto(server.base + pathname, { waitUntil: 'load' });
  assert.ok(res, `no response for ${pathname}`);
  assert.equal(res.status(), expectStatus, `GET ${pathname} answered ${res.status()}, expected ${expectStatus}`);
  return { page, res };
}

function requirePath(p, what) {
  assert.ok(p, `could not find a ${what} URL to test (${discoveryNotes.join('; ') || 'no link found'})`);
  return p;
}

async function axeCheck(t, name, ctxOpts) {
  const entry = pageList().find((p) => p.name === name);
  if (!entry) {
    t.skip(discoveryNotes.find((n) => n.startsWith('home page 2')) || 'page does not exist');
    return;
  }
  requirePath(entry.path, name);
  // bypassCSP: axe is injected as an inline script, which a strict CSP would (rightly) block.
  const ctx = await newContext({ bypassCSP: true, ...ctxOpts });
  try {
    const { page } = await openPage(ctx, entry.path, entry.status ?? 200);
    const v = await axeViolations(page);
    if (v.length) {
      const mode = ctxOpts.colorScheme ? `, ${ctxOpts.colorScheme} colour scheme` : '';
      const report = `axe violations on ${name} page (${entry.path}${mode}):\n${formatViolations(v)}`;
      console.log(report);
      assert.fail(report);
    }
  } finally {
    await ctx.close();
  }
}

// ---------------------------------------------------------------------------

describe('marquee site', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await startServer({ onSpawn: (s) => { server = s; } });
    browser = await launchBrowser();
    await discover();
    console.log(`# server: ${server.base}`);
    console.log(`# pages under test: ${JSON.stringify(urls)}`);
    for (const n of discoveryNotes) console.log(`# note: ${n}`);
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) fs.writeFileSync(path.join(HERE, 'server.log'), server.log.join('\n') + '\n');
    await stopServer(server);
  });

  describe('axe (wcag2a, wcag2aa, wcag21a, wcag21aa, best-practice)', () => {
    // One subtest per page type; the list is only known after discovery, so build it lazily.
    const names = [
      'home', 'home page 2', 'review', 'film', 'person', 'year', 'genre', 'tag', 'score band', 'writer',
      'films index', 'years index', 'genres index', 'scores index', '404',
    ];
    for (const name of names) {
      test(`${name} page has no axe violations`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
        await axeCheck(t, name, {});
      });
    }
    // The site declares color-scheme: light dark; check contrast etc. in dark mode too.
    for (const name of ['home', 'review', 'film', '404']) {
      test(`${name} page has no axe violations (dark colour scheme)`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
        await axeCheck(t, name, { colorScheme: 'dark' });
      });
    }
  });

  test('every page: first Tab focuses the skip link, and <main id="main"> exists', { timeout: TEST_TIMEOUT_MS }, async () => {
    const problems = [];
    const ctx = await newContext();
    try {
      for (const entry of pageList()) {
        if (!entry.path) {
          problems.push(`${entry.name}: no URL found`);
          continue;
        }
        const { page } = await openPage(ctx, entry.path, entry.status ?? 200);
        await page.keyboard.press('Tab');
        const info = await page.evaluate(() => {
          const a = document.activeElement;
          const main = document.querySelector('main#main');
          return {
            tag: a && a.tagName,
            cls: a && a.className,
            href: a && a.getAttribute('href'),
            text: a && a.textContent.trim(),
            mains: document.querySelectorAll('main').length,
            hasMain: !!main,
          };
        });
        if (!(info.tag === 'A' && /\bskip-link\b/.test(info.cls) && info.href === '#main' && info.text === 'Skip to main content')) {
          problems.push(`${entry.name} (${entry.path}): first Tab focused ${JSON.stringify(info)}`);
        }
        if (!info.hasMain) problems.push(`${entry.name} (${entry.path}): no <main id="main">`);
        if (info.mains !== 1) problems.push(`${entry.name} (${entry.path}): ${info.mains} <main> elements`);
        await page.close();
      }
    } finally {
      await ctx.close();
    }
    assert.deepEqual(problems, []);
  });

  test('keyboard: Tab focuses the skip link and Enter moves to #main (review page)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext();
    try {
      const { page } = await openPage(ctx, requirePath(urls.review, 'review'));
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const a = document.activeElement;
        return { cls: a.className, href: a.getAttribute('href'), text: a.textContent.trim(), visible: a.getBoundingClientRect().height > 0 };
      });
      assert.match(focused.cls, /\bskip-link\b/, `first Tab focused ${JSON.stringify(focused)}`);
      assert.equal(focused.href, '#main');
      assert.equal(focused.text, 'Skip to main content');
      assert.ok(focused.visible, 'the focused skip link is not visible (zero height)');

      await page.keyboard.press('Enter');
      await page.waitForTimeout(100);
      const after = await page.evaluate(() => {
        const main = document.getElementById('main');
        const a = document.activeElement;
        return {
          hash: location.hash,
          mainExists: !!main,
          mainTag: main && main.tagName,
          focusInMain: !!(main && a && (a === main || main.contains(a))),
          mainTop: main && main.getBoundingClientRect().top,
          scrollY: window.scrollY,
        };
      });
      assert.ok(after.mainExists, '#main does not exist');
      assert.equal(after.mainTag, 'MAIN', '#main is not a <main> element');
      assert.equal(after.hash, '#main', `Enter on the skip link did not navigate to #main: ${JSON.stringify(after)}`);
      if (!after.focusInMain) {
        // Without tabindex=-1 on <main> the browser moves the sequential focus starting point
        // to #main: the next Tab must land inside it.
        await page.keyboard.press('Tab');
        const next = await page.evaluate(() => {
          const main = document.getElementById('main');
          const a = document.activeElement;
          return { inMain: main.contains(a), html: a ? a.outerHTML.slice(0, 200) : null };
        });
        assert.ok(
          next.inMain,
          `after Enter on the skip link focus did not move to #main; the next Tab focused ${next.html} (state ${JSON.stringify(after)})`,
        );
      }
    } finally {
      await ctx.close();
    }
  });

  test('review page works without JavaScript (h1, score, body)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext({ javaScriptEnabled: false });
    try {
      const { page } = await openPage(ctx, requirePath(urls.review, 'review'));
      const h1 = page.locator('h1');
      assert.equal(await h1.count(), 1, 'expected exactly one <h1>');
      assert.ok(await h1.isVisible(), 'h1 not visible without JS');
      assert.ok((await h1.innerText()).trim().length > 0, 'h1 is empty');
      const score = page.locator('p.score');
      assert.equal(await score.count(), 1, 'expected one p.score');
      assert.ok(await score.isVisible(), 'p.score not visible without JS');
      assert.match(await score.innerText(), /\d+(\.\d+)?\s*\/\s*10/, 'score text does not look like "9.5 /10"');
      const body = page.locator('div.review-body');
      assert.equal(await body.count(), 1, 'expected one div.review-body');
      assert.ok(await body.isVisible(), 'div.review-body not visible without JS');
      assert.ok((await body.innerText()).trim().length > 50, 'review body is (nearly) empty without JS');
    } finally {
      await ctx.close();
    }
  });

  test('review page has the documented parts', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext();
    try {
      const { page } = await openPage(ctx, requirePath(urls.review, 'review'));
      const problems = await reviewPageProblems(page, urls.review);
      assert.deepEqual(problems, []);
    } finally {
      await ctx.close();
    }
  });

  test('review page parts appear in DOM order', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext();
    try {
      const { page } = await openPage(ctx, requirePath(urls.review, 'review'));
      assertPartsInOrder(await reviewPartsOrder(page));
    } finally {
      await ctx.close();
    }
  });

  test('poster: width/height attributes, loads, no layout shift', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext();
    try {
      const page = await ctx.newPage();
      await page.addInitScript(() => {
        window.__cls = 0;
        window.__shifts = [];
        try {
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
              if (e.hadRecentInput) continue;
              window.__cls += e.value;
              const src = (e.sources || []).map((s) => {
                const n = s.node;
                const d = n && n.nodeType === 1 ? n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + (n.className ? '.' + String(n.className).trim().split(/\s+/).join('.') : '') : String(n && n.nodeName);
                return `${d} ${JSON.stringify(s.previousRect)} -> ${JSON.stringify(s.currentRect)}`;
              });
              window.__shifts.push(`${e.value.toFixed(4)} at ${Math.round(e.startTime)}ms: ${src.join('; ')}`);
            }
          }).observe({ type: 'layout-shift', buffered: true });
        } catch {
          /* unsupported */
        }
      });
      const res = await page.goto(server.base + requirePath(urls.review, 'review'), { waitUntil: 'load' });
      assert.equal(res.status(), 200);
      const img = page.locator('picture img').first();
      assert.equal(await img.count(), 1, 'no <picture><img> poster');
      const w = await img.getAttribute('width');
      const h = await img.getAttribute('height');
      assert.match(w || '', /^\d+$/, `poster width attribute is ${JSON.stringify(w)}`);
      assert.match(h || '', /^\d+$/, `poster height attribute is ${JSON.stringify(h)}`);
      assert.ok(Number(w) > 0 && Number(h) > 0, `poster width/height are ${w}x${h}`);
      const loaded = await img.evaluate((el) => ({ complete: el.complete, nw: el.naturalWidth, src: el.currentSrc }));
      assert.ok(loaded.complete && loaded.nw > 0, `poster image did not load: ${JSON.stringify(loaded)}`);
      await page.waitForTimeout(500);
      const { cls, shifts } = await page.evaluate(() => ({ cls: window.__cls, shifts: window.__shifts }));
      assert.ok(cls < 0.01, `cumulative layout shift on the review page is ${cls}:\n${shifts.join('\n')}`);
    } finally {
      await ctx.close();
    }
  });

  test('CSP header present on every page type', { timeout: TEST_TIMEOUT_MS }, async () => {
    const missing = [];
    for (const entry of pageList()) {
      if (!entry.path) continue;
      const r = await getHtml(entry.path);
      const csp = r.headers.get('content-security-policy');
      if (!csp || !csp.trim()) missing.push(`${entry.name} (${entry.path}, status ${r.status})`);
    }
    assert.deepEqual(missing, [], `pages without a Content-Security-Policy header: ${missing.join(', ')}`);
  });

  test('review page: CSP header present, no console errors or CSP violations', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext();
    try {
      const page = await ctx.newPage();
      const errors = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
      page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()} (${req.failure() && req.failure().errorText})`));
      page.on('response', (resp) => {
        if (resp.status() >= 400) errors.push(`HTTP ${resp.status()} for ${resp.url()}`);
      });
      await page.addInitScript(() => {
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || ''}:${e.lineNumber || ''}`);
        });
      });
      const res = await page.goto(server.base + requirePath(urls.review, 'review'), { waitUntil: 'load' });
      assert.equal(res.status(), 200);
      const headers = await res.allHeaders();
      const csp = headers['content-security-policy'];
      assert.ok(csp && csp.trim(), 'no Content-Security-Policy header on the review page');
      // scroll through the page so lazy images and late resources are requested too
      await page.evaluate(async () => {
        for (let y = 0; y < document.body.scrollHeight; y += 600) {
          window.scrollTo(0, y);
          await new Promise((r) => setTimeout(r, 30));
        }
      });
      await page.waitForLoadState('networkidle').catch(() => {});
      const csps = await page.evaluate(() => window.__cspViolations);
      for (const v of csps) errors.push(`CSP violation: ${v}`);
      assert.deepEqual(errors, [], `problems on the review page (CSP: ${csp}):\n${errors.join('\n')}`);
    } finally {
      await ctx.close();
    }
  });

  test('404 page: status 404, same layout, link home', { timeout: TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext();
    try {
      const { page } = await openPage(ctx, NOT_FOUND_PATH, 404);
      const r = await page.evaluate(() => ({
        main: !!document.querySelector('main#main'),
        skip: !!document.querySelector('a.skip-link[href="#main"]'),
        home: [...document.querySelectorAll('a[href]')].some((a) => new URL(a.href).pathname === '/' && a.closest('main')),
        title: document.title,
      }));
      assert.ok(r.main, '404 page has no <main id="main">');
      assert.ok(r.skip, '404 page has no skip link');
      assert.ok(r.home, '404 page has no link to / inside <main>');
      assert.ok(r.title.trim().length > 0, '404 page has no <title>');
    } finally {
      await ctx.close();
    }
  });

  test('screenshots at 360px and 1280px, no horizontal overflow', { timeout: 3 * TEST_TIMEOUT_MS }, async () => {
    const overflow = [];
    const targets = [
      ['home', urls.home],
      ['review', requirePath(urls.review, 'review')],
      ['film', requirePath(urls.film, 'film')],
    ];
    for (const width of [360, 1280]) {
      const ctx = await newContext({ viewport: { width, height: 800 } });
      try {
        for (const [name, p] of targets) {
          const { page } = await openPage(ctx, p);
          await loadLazyImages(page);
          const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
          await page.screenshot({ path: file, fullPage: true });
          console.log(`# screenshot: ${file}`);
          const sw = await page.evaluate(() => document.documentElement.scrollWidth);
          if (sw > width) overflow.push(`${name} at ${width}px: document is ${sw}px wide`);
          await page.close();
        }
      } finally {
        await ctx.close();
      }
    }
    assert.deepEqual(overflow, [], `horizontal overflow: ${overflow.join('; ')}`);
  });

  test('long unbroken words (a pasted URL, a hash) wrap at 360px instead of widening the page', { timeout: 3 * TEST_TIMEOUT_MS }, async () => {
    const word = 'Supercalifragilisticexpialidocious'.repeat(4);
    const url = `https://example.com/${'a1b2c3d4e5'.repeat(12)}`;
    const folder = fs.mkdtempSync(path.join(server.dataRoot, 'long-'));
    fs.writeFileSync(
      path.join(folder, 'long.md'),
      `+++\ntitle = "${word}"\nyear = 1999\ntagline = "${word}"\ndirectors = ["${word}"]\ngenres = ["${word}"]\n` +
        `tags = ["${word}"]\nscore = 7\nheadline = "${word}"\nsummary = "${word} ${url}"\ndate = 2001-01-01\n+++\n` +
        `## ${word}\n\nA pasted address: ${url} and a hash ${'f'.repeat(120)}.\n\n> ${word}\n`,
    );
    await runCli(['import', 'markdown', folder, '--data', server.dataDir]);
    // The server sees the import within a second or two; its pages are found from the year's.
    let year = await getHtml('/years/1999');
    for (let tries = 0; !year.body.includes(word); tries++) {
      assert.ok(tries < 100, 'the imported review never appeared on /years/1999');
      await new Promise((r) => setTimeout(r, 100));
      year = await getHtml('/years/1999');
    }
    const review = linkPaths(year.body).find((p) => p.startsWith('/reviews/supercali'));
    const review_html = (await getHtml(review)).body;
    const pages = [
      review,
      '/years/1999',
      firstLink([review_html], '/films/'),
      firstLink([review_html], '/tags/'),
      firstLink([review_html], '/genres/'),
      firstLink([review_html], '/people/'),
    ];
    assert.ok(pages.every(Boolean), `pages: ${JSON.stringify(pages)}`);
    const overflow = [];
    const ctx = await newContext({ viewport: { width: 360, height: 800 } });
    try {
      for (const p of pages) {
        const { page } = await openPage(ctx, p);
        const sw = await page.evaluate(() => document.documentElement.scrollWidth);
        if (sw > 360) overflow.push(`${p}: document is ${sw}px wide`);
        if (p === pages[0]) await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'long-words-360.png'), fullPage: true });
        await page.close();
      }
    } finally {
      await ctx.close();
    }
    assert.deepEqual(overflow, [], `horizontal overflow: ${overflow.join('; ')}`);
  });
});
