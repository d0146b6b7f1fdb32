// Browser end-to-end tests for articles and pages.
//
// Runs with node's built-in test runner:  node --test articles.test.mjs
// Adds an editor with the CLI, starts `serve --demo` on a fresh data directory, and drives the
// system Chromium through playwright-core.
//
// 1. The acceptance flow: an editor writes an article about a film of the catalogue, with an
//    image uploaded into its text, publishes it, and a reader finds it on the home page, the
//    film's page, the feed and search; the article page shows the image and the film's card.
// 2. axe-core on the new public pages (an article, the articles, the About page) in light and
//    dark colour schemes at 360 and 1280 px, with no horizontal overflow; and on the admin's
//    article list and editor.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE,
  SCREENSHOT_DIR,
  TEST_TIMEOUT_MS,
  runCli,
  startServer,
  stopServer,
  launchBrowser,
  formatViolations,
  axeViolations,
  loadLazyImages,
  pageHelpers,
  makePng,
} from './helpers.mjs';

const PASSWORD = 'correct horse battery staple';
const EDITOR = { email: 'editor@example.com', name: 'Eddie Editor', role: 'editor' };
const ARTICLE = {
  title: 'Harbour lights and quiet hours',
  slug: 'harbour-lights-and-quiet-hours',
  standfirst: 'Two films about listening, seen in one long weekend.',
  sections: ['The town that goes silent', 'What the harbour hears'],
  word: 'foghorns', // found by search in the article alone
  film: 'The Quiet Hour (2023)',
  filmPath: '/films/the-quiet-hour-2023',
  imageAlt: 'A harbour wall at dusk under a lit lamp',
};

let server = null;
let browser = null;
const { describePage, goto, watchForErrors, clickAndLoad } = pageHelpers(() => server);

// A 900×500 still: a harbour wall at dusk with a lamp.
function harbourPng() {
  return makePng(900, 500, (x, y) => {
    if (Math.hypot(x - 620, y - 180) < 30) return [255, 220, 140];
    if (y > 330) return [20, 50 + ((x >> 4) % 16), 90 + (y - 330) / 4];
    if (y > 300) return [110, 104, 96];
    return [Math.round(190 - y / 3), Math.round(110 - y / 5), Math.round(100 + y / 5)];
  });
}

async function signedInPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  const page = await ctx.newPage();
  await goto(page, '/admin/login');
  await page.locator('#email').fill(EDITOR.email);
  await page.locator('#password').fill(PASSWORD);
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/admin', `signing in did not lead to /admin\n${await describePage(page, res.status())}`);
  return { ctx, page };
}

async function axeCheck(page, what) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await loadLazyImages(page);
  const v = await axeViolations(page);
  if (v.length) assert.fail(`axe violations on ${what}:\n${formatViolations(v)}`);
}

describe('articles and pages', { timeout: 20 * 60_000 }, () => {
  before(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await startServer({
      prepare: async ({ dataDir }) => {
        await runCli(
          ['--data', dataDir, 'user', 'add', '--email', EDITOR.email, '--name', EDITOR.name, '--role', EDITOR.role, '--password-stdin'],
          { input: `${PASSWORD}\n` },
        );
      },
      onSpawn: (s) => {
        server = s;
      },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) fs.writeFileSync(path.join(HERE, 'articles-server.log'), server.log.join('\n') + '\n');
    await stopServer(server);
  });

  test('acceptance: an editor writes an article with an image and a film, publishes it, a reader finds it', { timeout: 4 * TEST_TIMEOUT_MS }, async () => {
    const { ctx, page } = await signedInPage();
    try {
      const errors = await watchForErrors(page);
      await goto(page, '/admin/articles');
      await clickAndLoad(page, page.getByRole('link', { name: 'Write an article' }));
      assert.equal(new URL(page.url()).pathname, '/admin/articles/new');
      await page.locator('#title').fill(ARTICLE.title);
      await page.locator('#standfirst').fill(ARTICLE.standfirst);
      const body = [
        `## ${ARTICLE.sections[0]}`,
        '',
        'In *The Quiet Hour* a mountain town switches off its noise for an hour a day.',
        '',
        `## ${ARTICLE.sections[1]}`,
        '',
        `By the sea the silence is never whole: there are always ${ARTICLE.word} somewhere.`,
      ].join('\n');
      await page.locator('#body').fill(body);
      await page.locator('#films').fill(ARTICLE.film);
      await page.locator('#tags').fill('essays, sound');

      // The image goes where the cursor is: just before the second section.
      assert.ok(await page.locator('#image-insert').isVisible(), '#image-insert is not shown with JavaScript on');
      await page.locator('#body').evaluate((ta, heading) => {
        const at = ta.value.indexOf(heading);
        ta.focus();
        ta.setSelectionRange(at, at);
      }, `## ${ARTICLE.sections[1]}`);
      await page.locator('#insert-file').setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: harbourPng() });
      await page.locator('#insert-alt').fill(ARTICLE.imageAlt);
      await page.locator('#insert-button').click();
      await page
        .waitForFunction(() => /Inserted\.|fail|refused|error/i.test(document.getElementById('insert-status').textContent), null, { timeout: 30_000 })
        .catch(() => {});
      assert.equal((await page.locator('#insert-status').innerText()).trim(), 'Inserted.', `image upload: ${server.logTail(10)}`);
      const text = await page.locator('#body').inputValue();
      assert.match(text, /!\[A harbour wall at dusk under a lit lamp\]\(\/media\//, `no image Markdown in #body:\n${text}`);

      const res = await clickAndLoad(page, page.locator('form#editor button[name="action"][value="publish"]'));
      const saved = new URL(page.url());
      if (res.status() !== 200 || !/^\/admin\/articles\/\d+$/.test(saved.pathname) || saved.searchParams.get('notice') !== 'published') {
        assert.fail(`publishing the article did not lead to its editor with notice=published\n${await describePage(page, res.status())}`);
      }
      assert.deepEqual(errors, [], `errors while writing the article:\n${errors.join('\n')}`);
    } finally {
      await ctx.close();
    }

    // The reader's side: the content version moves within a second or two.
    const reader = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await reader.newPage();
      const href = `/articles/${ARTICLE.slug}`;
      let found = false;
      for (let i = 0; i < 30 && !found; i++) {
        await goto(page, '/');
        found = (await page.locator(`main a[href="${href}"]`).count()) > 0;
        if (!found) await page.waitForTimeout(200);
      }
      assert.ok(found, `the home page has no link to ${href}`);
      await goto(page, ARTICLE.filmPath);
      assert.ok((await page.locator(`main a[href="${href}"]`).count()) > 0, `the film's page ${ARTICLE.filmPath} does not link to the article`);
      const feed = await page.request.get(`${server.base}/feed.xml`);
      assert.ok((await feed.text()).includes(`${server.base}${href}`), 'the site feed does not carry the article');
      await goto(page, `/search?q=${ARTICLE.word}`);
      assert.ok((await page.locator(`main a[href="${href}"]`).count()) > 0, `search for "${ARTICLE.word}" does not find the article`);

      await clickAndLoad(page, page.locator(`main a[href="${href}"]`).first());
      assert.equal((await page.locator('main h1').innerText()).trim(), ARTICLE.title);
      assert.equal((await page.locator('.standfirst').innerText()).trim(), ARTICLE.standfirst);
      const headings = (await page.locator('.review-body h2').allInnerTexts()).map((h) => h.trim());
      assert.deepEqual(headings, ARTICLE.sections);
      await loadLazyImages(page);
      const image = page.locator(`.review-body img[alt="${ARTICLE.imageAlt}"]`);
      assert.equal(await image.count(), 1, 'the article shows its image');
      assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth > 0), 'the image did not load');
      assert.equal(await page.locator(`.film-card a[href="${ARTICLE.filmPath}"]`).count(), 1, "the film's card links to its page");
      const ld = await page.locator('script[type="application/ld+json"]').innerText();
      assert.match(ld, /"@type":"Article"/, 'no JSON-LD Article');
      assert.ok(await page.locator(`link[rel="canonical"][href="${server.base}${href}"]`).count(), 'no canonical link');
      assert.ok(await page.locator('meta[property="og:type"][content="article"]').count(), 'no OpenGraph article type');
    } finally {
      await reader.close();
    }
  });

  describe('axe and layout on the new pages', () => {
    const pages = [
      ['an article', `/articles/listening-to-the-quiet-hour`],
      ['the articles', '/articles'],
      ['the About page', '/about'],
    ];
    for (const colorScheme of ['light', 'dark']) {
      for (const width of [1280, 360]) {
        for (const [name, pathname] of pages) {
          test(`${name} (${pathname}): no axe violations, no overflow (${colorScheme}, ${width}px)`, { timeout: TEST_TIMEOUT_MS }, async () => {
            const ctx = await browser.newContext({ viewport: { width, height: 800 }, colorScheme, bypassCSP: true });
            try {
              const page = await ctx.newPage();
              await goto(page, pathname);
              await axeCheck(page, `${pathname} (${colorScheme}, ${width}px)`);
              const sw = await page.evaluate(() => document.documentElement.scrollWidth);
              assert.ok(sw <= width, `${pathname} is ${sw}px wide at ${width}px`);
              if (colorScheme === 'light') {
                const file = path.join(SCREENSHOT_DIR, `${name.replace(/\W+/g, '-')}-${width}.png`);
                await page.screenshot({ path: file, fullPage: true });
              }
            } finally {
              await ctx.close();
            }
          });
        }
      }
    }
    for (const colorScheme of ['light', 'dark']) {
      for (const [name, pathname] of [['articles list', '/admin/articles'], ['article editor', '/admin/articles/new'], ['pages list', '/admin/pages']]) {
        test(`admin ${name}: no axe violations (${colorScheme})`, { timeout: TEST_TIMEOUT_MS }, async () => {
          const { ctx, page } = await signedInPage({ colorScheme, bypassCSP: true });
          try {
            await goto(page, pathname);
            await axeCheck(page, `${pathname} (${colorScheme})`);
          } finally {
            await ctx.close();
          }
        });
      }
    }
  });
});
