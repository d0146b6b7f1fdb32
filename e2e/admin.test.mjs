// Browser end-to-end tests for Marquee's admin area.
//
// Runs with node's built-in test runner:  node --test admin.test.mjs
// Before starting its own server it adds three accounts with the CLI
// ($MARQUEE_BIN --data <tmp> user add … --password-stdin: an owner, an editor and a writer), then runs
// $MARQUEE_BIN serve --demo --data <tmp> --listen 127.0.0.1:<free port>
// and drives the system Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core.
//
// 1. The acceptance flow: a writer writes a review of a new film, with a poster and an image in
//    the text, and submits it; an editor publishes it; a reader finds it on the site.
// 2. The editor's basics without JavaScript: a draft, and the Preview button.
// 3. axe-core on every admin page, in light and dark colour schemes; screenshots of the editor.

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
  reviewPageProblems,
  reviewPartsOrder,
  assertPartsInOrder,
  pageHelpers,
  makePng,
} from './helpers.mjs';

const PASSWORD = 'correct horse battery staple';
const USERS = {
  owner: { email: 'owner@example.com', name: 'Olive Owner', role: 'owner' },
  editor: { email: 'editor@example.com', name: 'Eddie Editor', role: 'editor' },
  writer: { email: 'writer@example.com', name: 'Wren Writer', role: 'writer' },
};

let server = null; // see helpers.mjs startServer
let browser = null;

// ---------------------------------------------------------------------------
// images for the uploads: real PNGs, built here (RGB, 8 bits, no interlace)

// A 480×720 poster: a night sky over a sea, with a lit lamp.
function posterPng() {
  const [w, h] = [480, 720];
  return makePng(w, h, (x, y) => {
    const lamp = Math.hypot(x - 240, y - 250);
    if (lamp < 40) return [255, 214, 120];
    if (lamp < 140) {
      const glow = 1 - lamp / 140;
      return [Math.round(30 + 200 * glow), Math.round(40 + 150 * glow), Math.round(80 + 40 * glow)];
    }
    if (y > 480) return [10, Math.round(40 + ((x + y) % 40)), Math.round(90 + (y - 480) / 6)];
    return [Math.round(15 + y / 30), Math.round(20 + y / 25), Math.round(60 + y / 8)];
  });
}

// A 960×540 still: a lighthouse against the dusk.
function stillPng() {
  const [w, h] = [960, 540];
  return makePng(w, h, (x, y) => {
    if (x > 440 && x < 520 && y > 140) return [230, 226, 214];
    if (y > 420) return [20, 60 + ((x >> 3) % 20), 100];
    return [Math.round(200 - y / 4), Math.round(120 - y / 6), Math.round(90 + y / 6)];
  });
}

// ---------------------------------------------------------------------------
// browser helpers

async function newContext(opts = {}) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
}

// Page helpers shared with cinephile.test.mjs (see helpers.mjs).
const { describePage, goto, watchForErrors, clickAndLoad } = pageHelpers(() => server);

// Signs in through /admin/login and checks the dashboard came back.
async function signIn(page, role) {
  const user = USERS[role];
  await goto(page, '/admin/login');
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(PASSWORD);
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  const url = new URL(page.url());
  if (res.status() !== 200 || url.pathname !== '/admin') {
    assert.fail(`signing in as the ${role} (${user.email}) did not lead to /admin\n${await describePage(page, res.status())}`);
  }
  const shownName = await page.locator('.admin-user a[href="/admin/account"]').innerText();
  assert.equal(shownName.trim(), user.name, `after signing in as the ${role}, the header names ${JSON.stringify(shownName)}`);
}

// A context already signed in as `role` (the session is made once per role, then reused).
const sessions = {};
async function signedInContext(role, opts = {}) {
  if (!sessions[role]) {
    const ctx = await newContext();
    try {
      const page = await ctx.newPage();
      await signIn(page, role);
      sessions[role] = await ctx.storageState();
    } finally {
      await ctx.close();
    }
  }
  return newContext({ ...opts, storageState: sessions[role] });
}

// The editor's submit buttons are all named "action"; presses the one with this value.
async function pressAction(page, value) {
  const button = page.locator(`form#editor button[name="action"][value="${value}"]`);
  if ((await button.count()) !== 1) {
    const offered = await page.locator('form#editor button[name="action"]').evaluateAll((bs) => bs.map((b) => `${b.value} ("${b.textContent.trim()}")`));
    assert.fail(`the editor has no "${value}" button; it offers ${offered.join(', ') || 'none'} (${page.url()})`);
  }
  return clickAndLoad(page, button);
}

// After a save-like action: the redirect to /admin/reviews/{id}?notice=… and its p.notice.
async function expectSaved(page, res, notice, what) {
  const url = new URL(page.url());
  const m = url.pathname.match(/^\/admin\/reviews\/(\d+)$/);
  if (res.status() !== 200 || !m || url.searchParams.get('notice') !== notice) {
    assert.fail(
      `${what}: expected a redirect to /admin/reviews/{id}?notice=${notice}, got HTTP ${res.status()} at ${url.pathname}${url.search}\n${await describePage(page, res.status())}`,
    );
  }
  const shown = page.locator('main p.notice');
  assert.equal(await shown.count(), 1, `${what}: no p.notice on ${page.url()}`);
  return { id: Number(m[1]), notice: (await shown.innerText()).trim() };
}

async function previewHeadings(page) {
  return page.locator('#preview-body h2').allInnerTexts().then((hs) => hs.map((h) => h.trim()));
}

// ---------------------------------------------------------------------------
// the admin pages under test, as the owner (who may see all of them)

let targetsPromise = null;

// One existing review, film and person, found through the admin lists.
function adminTargets() {
  targetsPromise ??= (async () => {
    const ctx = await signedInContext('owner');
    try {
      const page = await ctx.newPage();
      const firstLink = async (listPath, pattern, what) => {
        await goto(page, listPath);
        const hrefs = await page.locator('main table a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        const href = hrefs.find((h) => pattern.test(h));
        assert.ok(href, `no ${what} link (${pattern}) in the table on ${listPath}; links: ${JSON.stringify(hrefs)}`);
        return href;
      };
      return {
        review: await firstLink('/admin/reviews?status=published', /^\/admin\/reviews\/\d+$/, 'review'),
        film: await firstLink('/admin/films', /^\/admin\/films\/\d+$/, 'film'),
        person: await firstLink('/admin/people', /^\/admin\/people\/\d+$/, 'person'),
      };
    } finally {
      await ctx.close();
    }
  })();
  return targetsPromise;
}

// name -> { role, open(page) }: open loads the page in the state to check.
const ADMIN_PAGES = [
  ['login', { role: null, open: (page) => goto(page, '/admin/login') }],
  ['dashboard', { open: (page) => goto(page, '/admin') }],
  ['reviews list', { open: (page) => goto(page, '/admin/reviews') }],
  ['new review editor', { open: (page) => goto(page, '/admin/reviews/new') }],
  [
    'review editor after Preview',
    {
      open: async (page) => {
        await goto(page, (await adminTargets()).review);
        const res = await pressAction(page, 'preview');
        assert.equal(res.status(), 200, `Preview answered ${res.status()}\n${await describePage(page, res.status())}`);
        assert.ok((await page.locator('#preview-body').innerText()).trim().length > 0, 'the preview is empty after pressing Preview');
      },
    },
  ],
  ['review revisions', { open: async (page) => goto(page, `${(await adminTargets()).review}/revisions`) }],
  ['media', { open: (page) => goto(page, '/admin/media') }],
  ['films', { open: (page) => goto(page, '/admin/films') }],
  ['film', { open: async (page) => goto(page, (await adminTargets()).film) }],
  ['people', { open: (page) => goto(page, '/admin/people') }],
  ['person', { open: async (page) => goto(page, (await adminTargets()).person) }],
  ['settings', { open: (page) => goto(page, '/admin/settings') }],
  ['users', { open: (page) => goto(page, '/admin/users') }],
  ['account', { open: (page) => goto(page, '/admin/account') }],
  [
    'API tokens with a new token shown',
    {
      open: async (page) => {
        await goto(page, '/admin/account/tokens');
        await page.locator('#token-name').fill('A feed script');
        await page.locator('#token-scope').selectOption('write');
        const res = await clickAndLoad(page, page.getByRole('button', { name: 'Create a token', exact: true }));
        assert.equal(res.status(), 200, `creating a token answered ${res.status()}\n${await describePage(page, res.status())}`);
        const secret = await page.locator('#new-token').inputValue();
        assert.match(secret, /^mq_[0-9a-f]{64}$/, `the new token is shown once: ${secret}`);
        const api = await page.request.get(new URL('/api/v1/diary', page.url()).href, { headers: { authorization: `Bearer ${secret}` } });
        assert.equal(api.status(), 200, `the new token does not open the API: ${api.status()}`);
      },
    },
  ],
  ['activity', { open: (page) => goto(page, '/admin/activity') }],
  ['import', { open: (page) => goto(page, '/admin/import') }],
  [
    'import finished',
    {
      open: async (page) => {
        await goto(page, '/admin/import');
        await uploadImdb(page, { dryRun: true });
      },
    },
  ],
  [
    'editor with validation errors',
    {
      open: async (page) => {
        await goto(page, '/admin/reviews/new');
        // The title is `required` in the markup; switch the browser's own check off so the
        // server's validation (the page under test) answers.
        await page.locator('form#editor').evaluate((form) => {
          form.noValidate = true;
        });
        await page.locator('#film_title').fill('');
        await page.locator('#score').fill('eleven');
        const res = await pressAction(page, 'save');
        assert.equal(res.status(), 422, `saving with an empty title and score "eleven" answered ${res.status()}, expected 422\n${await describePage(page, res.status())}`);
        const summary = page.locator('.error-summary');
        assert.equal(await summary.count(), 1, 'no .error-summary after an invalid save');
        const linked = await summary.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.ok(linked.includes('#film_title'), `the error summary does not link to #film_title: ${JSON.stringify(linked)}`);
        assert.ok(linked.includes('#score'), `the error summary does not link to #score: ${JSON.stringify(linked)}`);
        assert.equal(await page.locator('#film_title').getAttribute('aria-invalid'), 'true', '#film_title is not aria-invalid="true"');
        assert.equal(await page.locator('#score').getAttribute('aria-invalid'), 'true', '#score is not aria-invalid="true"');
      },
    },
  ],
];

const IMDB_FIXTURES = path.resolve(HERE, '../crates/marquee-import/tests/fixtures/imdb');

// Chooses IMDb's four dataset files in Admin › Import, starts the import and waits on its page
// (which follows the job by itself) until it says it finished.
async function uploadImdb(page, { dryRun = false } = {}) {
  const files = ['title.basics.tsv', 'title.crew.tsv', 'title.principals.tsv', 'name.basics.tsv'].map((f) => path.join(IMDB_FIXTURES, f));
  await page.locator('#imdb-file').setInputFiles(files);
  const form = page.locator('section[aria-labelledby="import-imdb"] form');
  if (dryRun) await form.getByLabel('Dry run: only report what would change').check();
  const res = await clickAndLoad(page, form.getByRole('button', { name: 'Import from IMDb' }));
  assert.equal(res.status(), 200, `starting the import answered ${res.status()}\n${await describePage(page, res.status())}`);
  assert.match(new URL(page.url()).pathname, /^\/admin\/import\/\d+$/, 'starting an import does not show its page');
  await page.getByText('Finished.', { exact: true }).waitFor({ timeout: 60_000 });
  return (await page.locator('.job-summary').innerText()).trim();
}

async function axeAdminPage(name, colorScheme) {
  const spec = Object.fromEntries(ADMIN_PAGES)[name];
  const role = spec.role === undefined ? 'owner' : spec.role;
  // bypassCSP: axe is injected as an inline script, which the admin's strict CSP (rightly) blocks.
  const opts = { bypassCSP: true, colorScheme };
  const ctx = role ? await signedInContext(role, opts) : await newContext(opts);
  try {
    const page = await ctx.newPage();
    await spec.open(page);
    // admin.js may still be fetching the live preview and marking scrollable regions
    await page.waitForLoadState('networkidle').catch(() => {});
    await loadLazyImages(page);
    const v = await axeViolations(page);
    if (v.length) {
      const report = `axe violations on the admin ${name} page (${new URL(page.url()).pathname}, ${colorScheme} colour scheme):\n${formatViolations(v)}`;
      console.log(report);
      assert.fail(report);
    }
  } finally {
    await ctx.close();
  }
}

// ---------------------------------------------------------------------------

describe('marquee admin', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await startServer({
      prepare: async ({ dataDir }) => {
        for (const u of Object.values(USERS)) {
          await runCli(['--data', dataDir, 'user', 'add', '--email', u.email, '--name', u.name, '--role', u.role, '--password-stdin'], {
            input: `${PASSWORD}\n`,
          });
        }
      },
      onSpawn: (s) => {
        server = s;
      },
    });
    browser = await launchBrowser();
    console.log(`# server: ${server.base}`);
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) fs.writeFileSync(path.join(HERE, 'admin-server.log'), server.log.join('\n') + '\n');
    await stopServer(server);
  });

  test('acceptance: a writer writes a review with a poster and an image, an editor publishes it, a reader finds it', { timeout: 6 * TEST_TIMEOUT_MS }, async (t) => {
    const film = {
      title: 'The Lantern Keeper',
      year: '1987',
      runtime: '104',
      tagline: 'Every night, the light. Every morning, the sea.',
      director: 'Ines Marlowe',
      cast: ['Tobias Wrenfield', 'Marguerite Fell'],
      genres: 'Drama, Mystery',
    };
    const slug = 'the-lantern-keeper-1987';
    const reviewPath = `/reviews/${slug}`;
    const filmPath = `/films/${slug}`;
    const sections = ['The keeper and the sea', 'A storm in the third act'];
    const imageAlt = 'The lighthouse at dusk, its lamp not yet lit';
    const summary = 'A patient, salt-stung drama about duty and solitude that earns every one of its quiet minutes.';
    const tags = ['lighthouses', 'slow cinema'];
    const body = [
      'Ines Marlowe films the island as if it were a clock: the lamp is lit, the lamp goes out, the supply boat comes or does not. The Lantern Keeper is about what that rhythm does to the one man who keeps it.',
      `## ${sections[0]}`,
      'Tobias Wrenfield plays the keeper with almost no dialogue. His face does the work, and the sound of the sea does the rest.',
      `## ${sections[1]}`,
      'When the storm comes the film finally raises its voice, and Marguerite Fell arrives with it: a stranger who will not say why she rowed out in that weather.',
    ].join('\n\n');

    // Each step stops the flow when it fails: the later ones would only fail for the same reason.
    let broken = null;
    const step = (name, fn) =>
      t.test(name, async (st) => {
        if (broken) {
          st.skip(`an earlier step failed (${broken})`);
          return;
        }
        try {
          await fn(st);
        } catch (err) {
          broken = name;
          throw err;
        }
      });

    const writerCtx = await newContext();
    const editorCtx = await newContext();
    const readerCtx = await newContext();
    try {
      const page = await writerCtx.newPage();
      const writerErrors = await watchForErrors(page);
      let reviewId = null;

      await step('the writer signs in', async () => {
        await signIn(page, 'writer');
      });

      await step('the writer fills in the editor for a new film, with a poster', async () => {
        await goto(page, '/admin/reviews/new');
        assert.ok(await page.locator('details.film-details').evaluate((d) => d.open), 'details.film-details is not open on a new review');
        await page.locator('#film_title').fill(film.title);
        await page.locator('#film_year').fill(film.year);
        await page.locator('#film_runtime').fill(film.runtime);
        await page.locator('#film_tagline').fill(film.tagline);
        await page.locator('#film_directors').fill(film.director);
        await page.locator('#film_cast').fill(film.cast.join('\n'));
        await page.locator('#film_genres').fill(film.genres);
        await page.locator('#poster_file').setInputFiles({ name: 'lantern-keeper-poster.png', mimeType: 'image/png', buffer: posterPng() });
        await page.locator('#poster_alt').fill('A lit lamp above a night sea');
        await page.locator('#headline').fill('A light that will not go out');
        await page.locator('#body').fill(body);
        await page.locator('#summary').fill(summary);
        await page.locator('#score').fill('8.5');
        await page.locator('#tags').fill(tags.join(', '));
        await page.locator('#watched_on').fill('2025-03-14');
        const verdict = page.locator('output#verdict');
        await page.waitForFunction(() => document.getElementById('verdict').textContent.trim() === 'Excellent', null, { timeout: 5000 }).catch(() => {});
        assert.equal((await verdict.innerText()).trim(), 'Excellent', 'output#verdict does not show "Excellent" for a score of 8.5');
      });

      await step('the writer uploads an image into the text with #image-insert', async () => {
        const box = page.locator('#image-insert');
        assert.ok(await box.isVisible(), '#image-insert is not shown with JavaScript on');
        // The image goes where the cursor is: just before the second section.
        await page.locator('#body').evaluate((ta, heading) => {
          const at = ta.value.indexOf(heading);
          ta.focus();
          ta.setSelectionRange(at, at);
        }, `## ${sections[1]}`);
        await page.locator('#insert-file').setInputFiles({ name: 'lighthouse-dusk.png', mimeType: 'image/png', buffer: stillPng() });
        await page.locator('#insert-alt').fill(imageAlt);
        await page.locator('#insert-button').click();
        const status = page.locator('#insert-status');
        await page
          .waitForFunction(() => /Inserted\.|fail|refused|first|error/i.test(document.getElementById('insert-status').textContent), null, { timeout: 30_000 })
          .catch(() => {});
        assert.equal((await status.innerText()).trim(), 'Inserted.', `#insert-status says ${JSON.stringify(await status.innerText())}\n${server.logTail(10)}`);
        const text = await page.locator('#body').inputValue();
        assert.ok(text.includes('!['), `#body has no image Markdown after the upload:\n${text}`);
        const image = text.match(/!\[([^\]]*)\]\(([^)\s]+)/);
        assert.ok(image, `no ![alt](url) in #body:\n${text}`);
        assert.equal(image[1], imageAlt, 'the inserted image Markdown does not carry the alt text');
        assert.match(image[2], /^\/media\//, 'the inserted image address is not under /media/');
        assert.ok(text.indexOf('![') < text.indexOf(`## ${sections[1]}`) && text.indexOf('![') > text.indexOf(`## ${sections[0]}`), `the image was not inserted at the cursor (between the sections):\n${text}`);
      });

      await step('the live preview shows the sections', async () => {
        await page
          .waitForFunction(
            (want) => {
              const hs = [...document.querySelectorAll('#preview-body h2')].map((h) => h.textContent.trim());
              return want.every((w) => hs.includes(w)) && document.querySelector('#preview-body img');
            },
            sections,
            { timeout: 15_000 },
          )
          .catch(() => {});
        const hs = await previewHeadings(page);
        for (const s of sections) assert.ok(hs.includes(s), `live preview (#preview-body) has no h2 "${s}"; h2s: ${JSON.stringify(hs)}`);
      });

      await step('the Preview button (a full form submit) shows the headings and the image', async () => {
        const res = await pressAction(page, 'preview');
        assert.equal(res.status(), 200, `Preview answered ${res.status()}\n${await describePage(page, res.status())}`);
        assert.equal(new URL(page.url()).pathname, '/admin/reviews/new', 'Preview of a new review left the new-review editor (did it save?)');
        // The server-rendered preview, before admin.js refreshes it.
        const html = await res.text();
        const section = html.slice(html.indexOf('id="preview-body"'));
        for (const s of sections) assert.ok(section.includes(`>${s}</h2>`), `the Preview page's #preview-body has no <h2>${s}</h2>`);
        const hs = await previewHeadings(page);
        for (const s of sections) assert.ok(hs.includes(s), `#preview-body has no h2 "${s}" after Preview; h2s: ${JSON.stringify(hs)}`);
        const imgs = await page.locator('#preview-body img').evaluateAll((is) => is.map((i) => ({ src: i.getAttribute('src'), alt: i.getAttribute('alt') })));
        assert.ok(imgs.length >= 1, 'no <img> in #preview-body after Preview');
        assert.ok(imgs[0].src.startsWith('/media/'), `the preview's image src is ${JSON.stringify(imgs[0].src)}, expected /media/…`);
        assert.equal(imgs[0].alt, imageAlt, "the preview's image has the wrong alt");
        // the form keeps what was typed
        assert.equal(await page.locator('#film_title').inputValue(), film.title, 'Preview lost the film title');
        assert.equal(await page.locator('#score').inputValue(), '8.5', 'Preview lost the score');
        assert.equal(await page.locator('#film_cast').inputValue(), film.cast.join('\n'), 'Preview lost the cast');
        // A file input cannot be refilled by the server: the poster chosen before Preview is gone.
        const posterKept = await page.locator('#poster_file').evaluate((i) => i.files.length);
        if (posterKept === 0) {
          t.diagnostic('note: after Preview the poster file input is empty again; the writer has to choose the poster again before saving');
          await page.locator('#poster_file').setInputFiles({ name: 'lantern-keeper-poster.png', mimeType: 'image/png', buffer: posterPng() });
        }
      });

      await step('the writer saves the review', async () => {
        const res = await pressAction(page, 'save');
        const saved = await expectSaved(page, res, 'saved', 'saving the new review');
        reviewId = saved.id;
        assert.equal(saved.notice, 'Saved.', `unexpected notice after saving: ${saved.notice}`);
        assert.equal(await page.locator('#film_title').inputValue(), film.title, 'the saved review has lost its film title');
        assert.ok((await page.locator('#body').inputValue()).includes('!['), 'the saved review has lost its image');
      });

      await step('the writer submits it for review', async () => {
        const res = await pressAction(page, 'submit');
        const saved = await expectSaved(page, res, 'submitted', 'submitting for review');
        assert.equal(saved.id, reviewId, 'submitting redirected to another review');
        assert.match(saved.notice, /review/i, `the notice after submitting does not mention review: ${JSON.stringify(saved.notice)}`);
        const status = (await page.locator('.editor-meta .status').innerText()).trim();
        assert.match(status, /pending|review/i, `the editor's status label after submitting is ${JSON.stringify(status)}`);
      });

      await step("no script errors, failed requests or CSP violations in the writer's editor", async () => {
        assert.deepEqual(writerErrors, [], `problems while the writer used the editor:\n${writerErrors.join('\n')}`);
      });

      await step('the review is not public while pending', async () => {
        const res = await fetch(server.base + reviewPath);
        await res.arrayBuffer();
        assert.equal(res.status, 404, `GET ${reviewPath} answered ${res.status} while the review is pending, expected 404`);
      });

      await step('the editor finds it among the pending reviews and publishes it', async () => {
        const ed = await editorCtx.newPage();
        await signIn(ed, 'editor');
        await goto(ed, '/admin/reviews?status=pending');
        const link = ed.locator('main table a', { hasText: film.title });
        assert.equal(await link.count(), 1, `/admin/reviews?status=pending does not list "${film.title}" once`);
        assert.equal(await link.getAttribute('href'), `/admin/reviews/${reviewId}`, 'the pending list links elsewhere');
        await clickAndLoad(ed, link);
        assert.equal(new URL(ed.url()).pathname, `/admin/reviews/${reviewId}`);
        const publish = ed.getByRole('button', { name: 'Publish now', exact: true });
        assert.equal(await publish.count(), 1, 'the editor sees no "Publish now" button');
        const res = await clickAndLoad(ed, publish);
        const saved = await expectSaved(ed, res, 'published', 'publishing');
        assert.equal(saved.notice, 'Published.', `unexpected notice after publishing: ${saved.notice}`);
        const view = ed.locator('.editor-meta a', { hasText: 'View the published review' });
        assert.equal(await view.count(), 1, 'no "View the published review" link after publishing');
        assert.equal(await view.getAttribute('href'), reviewPath, 'the "View the published review" link points elsewhere');
      });

      await step('a reader finds it on the home page and the film page', async () => {
        const rp = await readerCtx.newPage();
        await goto(rp, '/');
        const cardLinks = await rp.locator(`a[href="${reviewPath}"]`).allInnerTexts();
        assert.ok(cardLinks.length >= 1, `the home page does not link to ${reviewPath}`);
        assert.ok(cardLinks.some((x) => x.includes(film.title)), `no link on the home page with the film title leads to ${reviewPath}: ${JSON.stringify(cardLinks)}`);
        await goto(rp, filmPath);
        assert.equal((await rp.locator('h1').innerText()).trim(), film.title, `${filmPath} has the wrong h1`);
        assert.ok((await rp.locator(`main a[href="${reviewPath}"]`).count()) >= 1, `${filmPath} does not link to ${reviewPath}`);
      });

      await step('the review page has the documented parts, in order, with its own content', async () => {
        const rp = await readerCtx.newPage();
        await goto(rp, reviewPath);
        // the same checks as site.test.mjs's "review page has the documented parts" and "parts appear in DOM order"
        assert.deepEqual(await reviewPageProblems(rp, reviewPath), []);
        assertPartsInOrder(await reviewPartsOrder(rp));

        await loadLazyImages(rp);
        const r = await rp.evaluate(() => {
          const q = (s) => document.querySelector(s);
          const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
          const img = (el) => el && { src: el.getAttribute('src'), current: el.currentSrc, alt: el.getAttribute('alt'), loaded: el.complete && el.naturalWidth > 0 };
          const body = q('div.review-body');
          return {
            h1: text(q('h1')),
            kicker: q('a.kicker') && q('a.kicker').getAttribute('href'),
            tagline: text(q('.tagline')),
            poster: img(q('picture img')),
            bodyImages: body ? [...body.querySelectorAll('img')].map(img) : [],
            bodyH2: body ? [...body.querySelectorAll('h2')].map(text) : [],
            facts: text(q('dl.facts')),
            people: [...document.querySelectorAll('dl.facts a[href^="/people/"]')].map(text),
            score: text(q('p.score')),
            verdict: text(q('p.score span.verdict')),
            closing: text(q('.closing-verdict')),
            writer: text(q('a[href^="/writers/"]')),
            tags: [...document.querySelectorAll('a[href^="/tags/"]')].map(text),
            headline: text(q('.review-headline')),
          };
        });
        const problems = [];
        const check = (ok, msg) => ok || problems.push(msg);
        check(r.h1 === film.title, `h1 is ${JSON.stringify(r.h1)}`);
        check(r.kicker === `/years/${film.year}`, `a.kicker href is ${JSON.stringify(r.kicker)}`);
        check(r.tagline && r.tagline.includes(film.tagline), `tagline is ${JSON.stringify(r.tagline)}`);
        check(r.poster && r.poster.src.startsWith('/media/'), `poster src is ${JSON.stringify(r.poster && r.poster.src)}, expected /media/…`);
        check(r.poster && r.poster.loaded, `the poster did not load: ${JSON.stringify(r.poster)}`);
        check(r.bodyImages.length === 1, `div.review-body has ${r.bodyImages.length} images, expected 1`);
        const still = r.bodyImages[0];
        check(still && still.src.startsWith('/media/'), `body image src is ${JSON.stringify(still && still.src)}, expected /media/…`);
        check(still && still.alt === imageAlt, `body image alt is ${JSON.stringify(still && still.alt)}`);
        check(still && still.loaded, `the body image did not load: ${JSON.stringify(still)}`);
        check(JSON.stringify(r.bodyH2) === JSON.stringify(sections), `div.review-body h2s are ${JSON.stringify(r.bodyH2)}`);
        check(new RegExp(`(^| )${film.runtime} minutes`).test(r.facts || ''), `dl.facts has no "${film.runtime} minutes": ${JSON.stringify(r.facts)}`);
        for (const name of [film.director, ...film.cast]) check(r.people.includes(name), `dl.facts does not link to ${name}: ${JSON.stringify(r.people)}`);
        check(/(^|\s)8\.5\s*\/\s*10/.test(r.score || ''), `p.score is ${JSON.stringify(r.score)}, expected 8.5 /10`);
        check(r.verdict === 'Excellent', `the verdict is ${JSON.stringify(r.verdict)}`);
        check(r.closing === summary, `.closing-verdict is ${JSON.stringify(r.closing)}`);
        check(r.writer === USERS.writer.name, `the author link reads ${JSON.stringify(r.writer)}`);
        for (const tag of tags) check(r.tags.includes(tag), `no tag link "${tag}": ${JSON.stringify(r.tags)}`);
        check(r.headline === 'A light that will not go out', `.review-headline is ${JSON.stringify(r.headline)}`);
        assert.deepEqual(problems, [], `the published review (${reviewPath}) differs from what the writer wrote`);

        for (const [what, src] of [['poster', r.poster.current || r.poster.src], ['body image', still.current || still.src]]) {
          const res = await fetch(new URL(src, server.base));
          const bytes = await res.arrayBuffer();
          assert.equal(res.status, 200, `the ${what} ${src} answered ${res.status}`);
          assert.match(res.headers.get('content-type') || '', /^image\//, `the ${what} ${src} is served as ${res.headers.get('content-type')}`);
          assert.ok(bytes.byteLength > 0, `the ${what} ${src} is empty`);
        }
      });

      await step('the new review page has no axe violations (light and dark colour schemes)', async () => {
        const reports = [];
        for (const colorScheme of ['light', 'dark']) {
          const ctx = await newContext({ bypassCSP: true, colorScheme });
          try {
            const rp = await ctx.newPage();
            await goto(rp, reviewPath);
            await loadLazyImages(rp);
            const v = await axeViolations(rp);
            if (v.length) reports.push(`${colorScheme} colour scheme:\n${formatViolations(v)}`);
          } finally {
            await ctx.close();
          }
        }
        if (reports.length) {
          const report = `axe violations on the new review page (${reviewPath}):\n${reports.join('\n')}`;
          console.log(report);
          assert.fail(report);
        }
      });
    } finally {
      await writerCtx.close();
      await editorCtx.close();
      await readerCtx.close();
    }
  });

  test('the editor works without JavaScript: a writer creates a draft and previews the rendered Markdown', { timeout: 3 * TEST_TIMEOUT_MS }, async () => {
    const ctx = await newContext({ javaScriptEnabled: false });
    try {
      const page = await ctx.newPage();
      await signIn(page, 'writer');
      await goto(page, '/admin/reviews/new');
      assert.ok(!(await page.locator('#image-insert').isVisible()), 'the JavaScript-only #image-insert is visible without JavaScript');

      await page.locator('#film_title').fill('Paper Harbour');
      await page.locator('#film_year').fill('2001');
      await page.locator('#body').fill('The harbour is made of **folded paper**, and *everything* floats.\n\n## Boats\n\n- a ferry\n- a tug\n\nMore later.');
      await page.locator('#score').fill('7');
      let res = await pressAction(page, 'preview');
      assert.equal(res.status(), 200, `Preview answered ${res.status()}\n${await describePage(page, res.status())}`);
      assert.equal(new URL(page.url()).pathname, '/admin/reviews/new', 'Preview of a new review left the new-review editor');
      assert.equal(await page.locator('#film_title').inputValue(), 'Paper Harbour', 'Preview lost the film title');
      const preview = page.locator('#preview-body');
      assert.deepEqual(await preview.locator('h2').allInnerTexts(), ['Boats'], 'the preview does not render "## Boats" as an h2');
      assert.equal(await preview.locator('strong').innerText(), 'folded paper', 'the preview does not render **bold**');
      assert.equal(await preview.locator('em').innerText(), 'everything', 'the preview does not render *emphasis*');
      assert.deepEqual(await preview.locator('ul > li').allInnerTexts(), ['a ferry', 'a tug'], 'the preview does not render the list');
      assert.ok(!(await preview.innerText()).includes('**'), 'the preview shows raw Markdown');

      res = await pressAction(page, 'save');
      const saved = await expectSaved(page, res, 'saved', 'saving a draft without JavaScript');
      assert.equal(saved.notice, 'Saved.');
      assert.match((await page.locator('.editor-meta .status').innerText()).trim(), /draft/i, 'the new review is not a draft');
      assert.equal((await page.locator('output#verdict').innerText()).trim().length > 0, true, 'output#verdict is empty without JavaScript for a saved score of 7');

      await page.locator('#body').fill('Now with a [link](https://example.com/) and a second section.\n\n## Docks\n\nFin.');
      res = await pressAction(page, 'preview');
      assert.equal(res.status(), 200, `Preview of the draft answered ${res.status()}\n${await describePage(page, res.status())}`);
      assert.equal(new URL(page.url()).pathname, `/admin/reviews/${saved.id}`, 'Preview of the draft left its editor');
      assert.deepEqual(await preview.locator('h2').allInnerTexts(), ['Docks'], 'the draft preview does not show the edited text');
      assert.equal(await preview.locator('a[href="https://example.com/"]').count(), 1, 'the preview does not render the link');

      await goto(page, '/admin/reviews?status=draft');
      assert.equal(await page.locator(`main table a[href="/admin/reviews/${saved.id}"]`).count(), 1, 'the draft is not listed under /admin/reviews?status=draft');
    } finally {
      await ctx.close();
    }
  });

  test('an owner imports IMDb datasets from the admin and watches the job finish', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const ctx = await signedInContext('owner', { viewport: { width: 1280, height: 900 } });
    try {
      const page = await ctx.newPage();
      await goto(page, '/admin/import');
      for (const heading of ['Letterboxd', 'Markdown reviews', 'WordPress', 'Ghost', 'IMDb datasets']) {
        assert.equal(await page.getByRole('heading', { name: heading, exact: true }).count(), 1, `Admin › Import offers no ${heading}`);
      }
      const form = path.join(SCREENSHOT_DIR, 'admin-import.png');
      await page.screenshot({ path: form, fullPage: true });
      console.log(`# screenshot: ${form}`);
      const summary = await uploadImdb(page);
      assert.match(summary, /^\d+ created, \d+ updated, \d+ unchanged, \d+ skipped, \d+ warning\(s\)\.$/, `the finished job shows no summary: ${summary}`);
      assert.match(await page.locator('.job-details').innerText(), /Read \d+ rows in/, 'the finished job does not say how much it read');
      assert.equal(await page.locator('.notice').count(), 0, 'the finished page still says the job started');
      const file = path.join(SCREENSHOT_DIR, 'admin-import-finished.png');
      await page.screenshot({ path: file, fullPage: true });
      console.log(`# screenshot: ${file}`);
      await goto(page, '/admin/import');
      assert.ok((await page.locator('main table').innerText()).includes('IMDb datasets'), 'the import is not listed under Recent imports');
    } finally {
      await ctx.close();
    }
  });

  describe('axe on admin pages (wcag2a, wcag2aa, wcag21a, wcag21aa, best-practice)', () => {
    for (const colorScheme of ['light', 'dark']) {
      for (const [name] of ADMIN_PAGES) {
        test(`admin ${name} page has no axe violations (${colorScheme} colour scheme)`, { timeout: TEST_TIMEOUT_MS }, async () => {
          await axeAdminPage(name, colorScheme);
        });
      }
    }
  });

  test('editor screenshots at 1280px and 360px, no horizontal overflow', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const overflow = [];
    const { review } = await adminTargets();
    for (const width of [1280, 360]) {
      const ctx = await signedInContext('owner', { viewport: { width, height: 800 } });
      try {
        const page = await ctx.newPage();
        await goto(page, review);
        await pressAction(page, 'preview');
        await page.waitForLoadState('networkidle').catch(() => {});
        await loadLazyImages(page);
        const file = path.join(SCREENSHOT_DIR, `admin-editor-${width}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`# screenshot: ${file}`);
        const sw = await page.evaluate(() => document.documentElement.scrollWidth);
        if (sw > width) overflow.push(`the editor at ${width}px: document is ${sw}px wide`);
      } finally {
        await ctx.close();
      }
    }
    assert.deepEqual(overflow, [], `horizontal overflow: ${overflow.join('; ')}`);
  });
});
