// Shared helpers for Marquee's browser end-to-end tests (site.test.mjs, admin.test.mjs):
// starting and stopping a server on a fresh data directory, launching the system Chromium
// through playwright-core, running axe-core, and the review page's documented-parts checks.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axe = require('axe-core');

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOT_DIR = path.join(HERE, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
export const STARTUP_TIMEOUT_MS = Number(process.env.MARQUEE_STARTUP_TIMEOUT_MS || 120_000);
export const TEST_TIMEOUT_MS = 120_000;

export function marqueeBinary() {
  if (process.env.MARQUEE_BIN) return path.resolve(process.env.MARQUEE_BIN);
  const debug = path.resolve(HERE, '../target/debug/marquee');
  const release = path.resolve(HERE, '../target/release/marquee');
  if (!fs.existsSync(debug) && fs.existsSync(release)) return release;
  return debug;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// server lifecycle

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The binary may be replaced by a rebuild while the tests run: wait a little for it to come back.
async function waitForBinary(bin) {
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(bin) && Date.now() < deadline) await sleep(500);
  if (!fs.existsSync(bin)) {
    throw new Error(`marquee binary not found at ${bin} (set MARQUEE_BIN or build the workspace first)`);
  }
}

const started = new Set(); // servers whose process may still be running, killed on exit

process.on('exit', () => {
  for (const s of started) {
    if (s.exited) continue;
    try {
      s.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

// Runs the marquee CLI (not the server) against a data directory, e.g. to add users.
// Resolves with its output; rejects with the output when it fails.
export async function runCli(args, { input = '', timeoutMs = 60_000 } = {}) {
  const bin = marqueeBinary();
  await waitForBinary(bin);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`marquee ${args.join(' ')} failed (${code ?? signal}):\n${out}`));
    });
    child.stdin.end(input);
  });
}

// Starts `marquee serve --demo` on a free port and a fresh temporary data directory, and waits
// for /healthz. `prepare({ dataDir })` runs first, before the server exists (e.g. to add users);
// `onSpawn(server)` runs as soon as the process is started, so a caller can clean up (and keep
// the log) even when the server never becomes ready. Returns { child, base, dataRoot, dataDir, log: string[], exited, cmd, logTail(n) }.
export async function startServer({ prepare, onSpawn } = {}) {
  const bin = marqueeBinary();
  await waitForBinary(bin);
  const port = await freePort();
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'marquee-e2e-'));
  const dataDir = path.join(dataRoot, 'data');
  const listen = `127.0.0.1:${port}`;
  if (prepare) await prepare({ dataDir, bin });
  const args = ['serve', '--demo', '--data', dataDir, '--listen', listen];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const s = {
    child,
    base: `http://${listen}`,
    dataRoot,
    dataDir,
    log: [],
    exited: null,
    cmd: `${bin} ${args.join(' ')}`,
    logTail(n = 40) {
      return s.log.slice(-n).join('\n');
    },
  };
  started.add(s);
  if (onSpawn) onSpawn(s);
  const collect = (stream) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        s.log.push(l);
        if (s.log.length > 2000) s.log.splice(0, 1000);
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  child.on('exit', (code, signal) => {
    s.exited = { code, signal };
  });
  child.on('error', (err) => {
    s.exited = { code: null, signal: null, error: err };
  });

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastErr = null;
  while (Date.now() < deadline) {
    if (s.exited) {
      throw new Error(
        `marquee exited before it was ready (${JSON.stringify(s.exited)})\ncommand: ${s.cmd}\nlog:\n${s.logTail()}`,
      );
    }
    try {
      const res = await fetch(`${s.base}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return s;
      lastErr = new Error(`/healthz answered ${res.status}`);
    } catch (err) {
      lastErr = err;
    }
    await sleep(200);
  }
  throw new Error(
    `marquee not ready after ${STARTUP_TIMEOUT_MS} ms (${lastErr && lastErr.message})\ncommand: ${s.cmd}\nlog:\n${s.logTail()}`,
  );
}

export async function stopServer(s) {
  if (!s) return;
  if (!s.exited) {
    const exited = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done && !s.exited) {
      s.child.kill('SIGKILL');
      await Promise.race([exited, sleep(2000)]);
    }
  }
  started.delete(s);
  fs.rmSync(s.dataRoot, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// browser helpers

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}\n      ${(n.failureSummary || '').replace(/\n/g, '\n      ')}\n      html: ${n.html}`)
        .join('\n');
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

// Injects axe-core into the page and returns its violations for AXE_TAGS. The page's context
// must have been created with bypassCSP: true: axe is injected as an inline script, which a
// strict CSP would (rightly) block.
export async function axeViolations(page) {
  await page.addScriptTag({ content: axe.source });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  return result.violations;
}

// Scroll through the page so loading="lazy" images load, then wait for every image and font.
export async function loadLazyImages(page) {
  await page.evaluate(async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += 400) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 25));
    }
    window.scrollTo(0, 0);
    const pending = [...document.images].filter((img) => !img.complete);
    await Promise.race([
      Promise.all(pending.map((img) => new Promise((r) => { img.addEventListener('load', r); img.addEventListener('error', r); }))),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
    if (document.fonts) await document.fonts.ready;
  });
}

// Order check: returns true if a precedes b in document order.
export const PRECEDES = 4; // Node.DOCUMENT_POSITION_FOLLOWING

// ---------------------------------------------------------------------------
// the public review page

// The review page's documented parts, checked on an open review page whose path is `self`.
// Returns the list of problems found (empty when every part is there and well-formed).
export async function reviewPageProblems(page, self) {
  const r = await page.evaluate((self) => {
    const q = (s) => document.querySelector(s);
    const img = q('picture img');
    const related = q('section.related');
    const labelId = related && related.getAttribute('aria-labelledby');
    const label = labelId && document.getElementById(labelId);
    const relatedLinks = related ? [...related.querySelectorAll('a[href]')].map((a) => new URL(a.href).pathname) : [];
    const facts = q('dl.facts');
    const ld = [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent);
    const srcsets = img ? [img.getAttribute('srcset'), ...[...img.parentElement.querySelectorAll('source')].map((s) => s.getAttribute('srcset'))] : [];
    return {
      h1s: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
      kickerHref: q('a.kicker') && q('a.kicker').getAttribute('href'),
      imgAlt: img && img.getAttribute('alt'),
      imgSrcset: srcsets.filter(Boolean),
      imgSizes: img && (img.getAttribute('sizes') || [...img.parentElement.querySelectorAll('source')].map((s) => s.getAttribute('sizes')).find(Boolean)),
      factsText: facts && [...facts.querySelectorAll('dt, dd')].map((d) => d.textContent.trim()).join(' | '),
      factsPeople: facts ? facts.querySelectorAll('a[href^="/people/"]').length : 0,
      readingTime: q('p.reading-time') && q('p.reading-time').textContent.trim(),
      scoreText: q('p.score') && q('p.score').textContent.replace(/\s+/g, ' ').trim(),
      verdict: q('p.score span.verdict') && q('p.score span.verdict').textContent.trim(),
      closing: !!q('.closing-verdict'),
      relatedLabel: label ? label.textContent.trim() : null,
      relatedLinks,
      self,
      writer: !!q('a[href^="/writers/"]'),
      time: q('time[datetime]') && q('time[datetime]').getAttribute('datetime'),
      tags: document.querySelectorAll('a[href^="/tags/"]').length,
      ld,
    };
  }, self);
  const problems = [];
  const check = (ok, msg) => ok || problems.push(msg);
  check(r.h1s.length === 1, `expected one <h1>, found ${JSON.stringify(r.h1s)}`);
  check(/^\/years\/\d{4}$/.test(r.kickerHref || ''), `a.kicker href is ${JSON.stringify(r.kickerHref)}, expected /years/YYYY`);
  check(r.imgAlt !== null && r.imgAlt === `${r.h1s[0]} poster`, `poster alt is ${JSON.stringify(r.imgAlt)}, expected "${r.h1s[0]} poster"`);
  check(r.imgSrcset.length > 0, 'poster has no srcset (on <img> or <source>)');
  check(!!r.imgSizes, 'poster has no sizes attribute');
  check(/(^|\| )\d+ minutes( \||$)/.test(r.factsText || ''), `dl.facts has no "NNN minutes" runtime: ${JSON.stringify(r.factsText)}`);
  check(r.factsPeople >= 2, `dl.facts has ${r.factsPeople} links to /people/ (expected director and cast)`);
  check(/^\d+-minute read$/.test(r.readingTime || ''), `p.reading-time is ${JSON.stringify(r.readingTime)}`);
  check(/\d+(\.\d+)?\s*\/\s*10/.test(r.scoreText || ''), `p.score text is ${JSON.stringify(r.scoreText)}`);
  check(!!r.verdict, 'no span.verdict inside p.score');
  check(r.closing, 'no .closing-verdict');
  check(r.relatedLabel === 'Keep exploring', `section.related aria-labelledby target text is ${JSON.stringify(r.relatedLabel)}`);
  const relReviews = r.relatedLinks.filter((p) => p.startsWith('/reviews/'));
  check(relReviews.length >= 1 && relReviews.length <= 6, `section.related has ${relReviews.length} /reviews/ links (expected 1..6)`);
  check(!relReviews.includes(r.self), 'section.related links to the review itself');
  check(r.writer, 'no link to /writers/ (author)');
  check(!!r.time && !Number.isNaN(Date.parse(r.time)), `<time datetime> missing or unparsable: ${JSON.stringify(r.time)}`);
  check(r.tags >= 1, 'no tag links');
  let review = null;
  for (const text of r.ld) {
    try {
      const j = JSON.parse(text);
      const items = Array.isArray(j) ? j : j['@graph'] ? j['@graph'] : [j];
      review = review || items.find((x) => x && x['@type'] === 'Review');
    } catch (e) {
      problems.push(`ld+json does not parse: ${e.message}`);
    }
  }
  check(!!review, 'no JSON-LD object with @type Review');
  if (review) {
    const item = review.itemReviewed;
    check(item && item['@type'] === 'Movie', `Review.itemReviewed is not a Movie: ${JSON.stringify(item)}`);
    check(!!review.reviewRating, 'Review has no reviewRating');
    check(!!review.author, 'Review has no author');
  }
  return problems;
}

// The review page's parts in document order, checked on an open review page.
// Returns { missing: [part names], misordered: [descriptions] }.
export async function reviewPartsOrder(page) {
  return page.evaluate((PRECEDES) => {
    const outsideRelated = (sel) => [...document.querySelectorAll(sel)].find((el) => !el.closest('section.related')) || null;
    const parts = [
      ['skip link', document.querySelector('a.skip-link')],
      ['kicker', document.querySelector('a.kicker')],
      ['h1', document.querySelector('h1')],
      ['poster', document.querySelector('picture img')],
      ['facts', document.querySelector('dl.facts')],
      ['reading time', document.querySelector('p.reading-time')],
      ['body', document.querySelector('div.review-body')],
      ['score', document.querySelector('p.score')],
      // element types are checked by 'review page has the documented parts'; here only the order
      ['closing verdict', document.querySelector('.closing-verdict')],
      ['related', document.querySelector('section.related')],
      ['author', outsideRelated('a[href^="/writers/"]')],
      ['time', outsideRelated('time[datetime]')],
    ];
    const missing = parts.filter(([, el]) => !el).map(([n]) => n);
    const misordered = [];
    // author and time are one group: each must follow "related".
    for (let i = 1; i < parts.length; i++) {
      const [prevName, prevEl] = parts[i - 1].slice();
      const [name, el] = parts[i];
      if (!prevEl || !el) continue;
      if (name === 'time') {
        const rel = parts[9][1];
        if (rel && !(rel.compareDocumentPosition(el) & PRECEDES)) misordered.push(`time is not after related`);
        continue;
      }
      if (!(prevEl.compareDocumentPosition(el) & PRECEDES)) misordered.push(`${name} is not after ${prevName}`);
    }
    return { missing, misordered };
  }, PRECEDES);
}

// Asserts the result of reviewPartsOrder, with the messages site.test.mjs has always used.
export function assertPartsInOrder(result) {
  assert.deepEqual(result.missing, [], `missing parts: ${result.missing.join(', ')}`);
  assert.deepEqual(result.misordered, [], `parts out of order: ${result.misordered.join('; ')}`);
}

// Page helpers for tests that run against one server: `server()` returns it once started.
// goto() fails on an unexpected status or a redirect (a lost session answers 200 from the
// sign-in page); describePage() says what the page shows when a step fails.
export function pageHelpers(server) {
  async function describePage(page, status) {
    const errors = await page
      .locator('.error-summary, .field-error, #login-error')
      .allInnerTexts()
      .catch(() => []);
    const lines = [`page: ${page.url()}${status ? ` (HTTP ${status})` : ''}`];
    if (errors.length) lines.push(`errors shown: ${errors.map((e) => e.replace(/\s+/g, ' ').trim()).join(' | ')}`);
    if (!status || status >= 500) lines.push(`server log (last lines):\n${server().logTail(20)}`);
    return lines.join('\n');
  }

  async function goto(page, pathname, expectStatus = 200) {
    const res = await page.goto(server().base + pathname, { waitUntil: 'load' });
    assert.ok(res, `no response for ${pathname}`);
    if (res.status() !== expectStatus) {
      assert.fail(`GET ${pathname} answered ${res.status()}, expected ${expectStatus}\n${await describePage(page, res.status())}`);
    }
    const landed = new URL(page.url());
    const asked = new URL(pathname, server().base);
    assert.equal(landed.pathname + landed.search, asked.pathname + asked.search, `GET ${pathname} was redirected to ${landed.pathname}${landed.search}`);
    return res;
  }

  // Collects what goes wrong in a page while it is used: script errors, console errors, failed
  // requests, HTTP errors and Content-Security-Policy violations.
  async function watchForErrors(page) {
    const errors = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      const why = req.failure() && req.failure().errorText;
      // Navigating away aborts what a page still had in flight; admin.js aborts stale suggestions.
      if (why !== 'net::ERR_ABORTED') errors.push(`request failed: ${req.method()} ${req.url()} (${why})`);
    });
    page.on('response', (resp) => {
      if (resp.status() >= 400) errors.push(`HTTP ${resp.status()} for ${resp.request().method()} ${resp.url()}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || ''}:${e.lineNumber || ''}`);
      });
    });
    return errors;
  }

  // Clicks something that submits a form and waits for the page that comes back (after redirects).
  async function clickAndLoad(page, locator) {
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
    assert.ok(res, `no response after clicking ${locator}`);
    return res;
  }

  return { describePage, goto, watchForErrors, clickAndLoad };
}

// ---------------------------------------------------------------------------
// images for uploads: real PNGs, built here (RGB, 8 bits, no interlace)

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// A PNG of width × height whose pixel (x, y) is pixel(x, y) -> [r, g, b].
export function makePng(width, height, pixel) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const i = y * stride + 1 + x * 3;
      raw[i] = r;
      raw[i + 1] = g;
      raw[i + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
