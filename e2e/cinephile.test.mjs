// Browser end-to-end tests for the cinephile's side of Marquee: the diary, lists and the watchlist.
//
// Runs with node's built-in test runner:  node --test cinephile.test.mjs
// Before starting its own server it adds a writer with the CLI
// ($MARQUEE_BIN --data <tmp> user add … --password-stdin), then runs
// $MARQUEE_BIN serve --demo --data <tmp> --listen 127.0.0.1:<free port>
// and drives the system Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core.
//
// 1. Quick logging on /admin/diary: suggestions while typing, today's date, a rating, rewatch and
//    liked (timed); the same form without JavaScript; a title typed without its year.
// 2. Lists: a ranked list reordered with Up/Down (no JavaScript) and by dragging (JavaScript),
//    then published on /lists and shown on the film page. This runs while the writer's diary is
//    still private (so the owner link on the public list is checked in that state).
// 3. The public diary: 404 while private; once public, the diary, a year, a month, the year in
//    review (chart and table) and the film page's diary entries and average rating.
// 4. The watchlist: add, remove, shown publicly, and taken off when the film is logged.
// 5. axe-core on every cinephile page (admin and public), light and dark; screenshots of the
//    year in review at 1280px and 360px.

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
} from './helpers.mjs';

const PASSWORD = 'correct horse battery staple';
const WRITER = { email: 'writer@example.com', name: 'Wren Writer', role: 'writer', slug: 'wren-writer' };
const PUBLIC_DIARY = `/writers/${WRITER.slug}/diary`;
const PUBLIC_WATCHLIST = `/writers/${WRITER.slug}/watchlist`;

// Demo films (from serve --demo), and one the tests create.
const FILMS = {
  kestrel: { title: 'Midnight at the Kestrel', year: '2025', slug: 'midnight-at-the-kestrel-2025' },
  elodie: { title: 'The Nights of Élodie', year: '1962', slug: 'the-nights-of-elodie-1962', director: 'Solène Ravier' },
  glasshouse: { title: 'Glasshouse Weather', year: '2024', slug: 'glasshouse-weather-2024' },
  ledger: { title: 'Winter Ledger', year: '1988', slug: 'winter-ledger-1988' },
  tarrow: { title: 'Signal from Tarrow Deep', year: '2019', slug: 'signal-from-tarrow-deep-2019' },
  harbour: { title: 'The Harbour of Small Hours', year: '1979', slug: 'the-harbour-of-small-hours-1979' }, // new
};
const label = (film) => `${film.title} (${film.year})`;

// The server fills "Watched on" with its own (UTC) date.
const TODAY = new Date().toISOString().slice(0, 10);
const YEAR = Number(TODAY.slice(0, 4));
const MONTH = TODAY.slice(5, 7);
const LAST_YEAR_DATE = `${YEAR - 1}-06-14`;
const monthHeading = (iso) => {
  const d = new Date(`${iso.slice(0, 7)}-01T00:00:00Z`);
  return `${d.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${d.getUTCFullYear()}`;
};

let server = null; // see helpers.mjs startServer
let browser = null;

// What the flows found, for the later tests (each later test can also make it itself: fixtures()).
const state = {
  entries: {}, // film key -> /admin/diary/{id}
  list: null, // { id, editUrl, slug, publicUrl, title }
};

// ---------------------------------------------------------------------------
// browser helpers (as in admin.test.mjs)

async function newContext(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  ctx.setDefaultTimeout(15_000); // a missing element fails the step in 15 s, not 30
  return ctx;
}

const { describePage, goto, watchForErrors, clickAndLoad } = pageHelpers(() => server);

// After a form post: the redirect to `pathname`?notice=… (path checked with a RegExp or string)
// and its p.notice text. Returns the landed URL.
async function expectNotice(page, res, pathname, notice, what) {
  const url = new URL(page.url());
  const pathOk = pathname instanceof RegExp ? pathname.test(url.pathname) : url.pathname === pathname;
  const shown = await page.locator('main p.notice').allInnerTexts();
  if (res.status() !== 200 || !pathOk || shown.length !== 1 || shown[0].trim() !== notice) {
    assert.fail(
      `${what}: expected ${pathname}?… with the notice ${JSON.stringify(notice)}, got HTTP ${res.status()} at ${url.pathname}${url.search} with notices ${JSON.stringify(shown)}\n${await describePage(page, res.status())}`,
    );
  }
  return url;
}

async function signIn(page) {
  await goto(page, '/admin/login');
  await page.locator('#email').fill(WRITER.email);
  await page.locator('#password').fill(PASSWORD);
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  if (res.status() !== 200 || new URL(page.url()).pathname !== '/admin') {
    assert.fail(`signing in as ${WRITER.email} did not lead to /admin\n${await describePage(page, res.status())}`);
  }
}

let session = null;
async function signedInContext(opts = {}) {
  if (!session) {
    const ctx = await newContext();
    try {
      const page = await ctx.newPage();
      await signIn(page);
      session = await ctx.storageState();
    } finally {
      await ctx.close();
    }
  }
  return newContext({ ...opts, storageState: session });
}

// Subtests of one flow: a failed step skips the later ones (they would only fail for the same
// reason), except steps marked { independent: true }, whose failure does not stop the flow.
function stepper(t) {
  let broken = null;
  return (name, fn, { independent = false } = {}) =>
    t.test(name, async (st) => {
      if (broken) {
        st.skip(`an earlier step failed (${broken})`);
        return;
      }
      try {
        await fn(st);
      } catch (err) {
        if (!independent) broken = name;
        throw err;
      }
    });
}

// ---------------------------------------------------------------------------
// reading the pages

// The "Recently logged" table on /admin/diary.
function recentRows(page) {
  return page.locator('section[aria-labelledby="recent-heading"] table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const td = tr.querySelectorAll('td');
      const a = td[1] && td[1].querySelector('a');
      const star = td[2] && td[2].querySelector('[role="img"]');
      return {
        date: td[0] && td[0].textContent.trim(),
        film: a && a.textContent.trim(),
        href: a && a.getAttribute('href'),
        stars: star ? star.textContent.trim() : '',
        starsLabel: star ? star.getAttribute('aria-label') : null,
        notes: td[3] ? td[3].textContent.replace(/\s+/g, ' ').trim() : '',
      };
    }),
  );
}

// The lines of a public diary (li.diary-line), with the month heading they are under.
function diaryLines(page) {
  return page.locator('main li.diary-line').evaluateAll((lis) =>
    lis.map((li) => {
      const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
      const time = li.querySelector('time');
      const film = li.querySelector('.diary-film > a');
      const stars = li.querySelector('.stars');
      const writer = li.querySelector('.diary-film .muted a');
      const month = li.closest('section.diary-month');
      return {
        datetime: time && time.getAttribute('datetime'),
        date: text(time),
        film: text(film),
        href: film && film.getAttribute('href'),
        stars: text(stars),
        starsRole: stars && stars.getAttribute('role'),
        starsLabel: stars && stars.getAttribute('aria-label'),
        marks: [...li.querySelectorAll('.diary-mark')].map((m) => ({ title: m.getAttribute('title'), text: text(m) })),
        tags: text(li.querySelector('.diary-tags')),
        text: text(li.querySelector('.diary-text')),
        writer: writer && { text: text(writer), href: writer.getAttribute('href') },
        month: month ? text(month.querySelector('h2')) : null,
      };
    }),
  );
}

// The films of the admin list editor, in order.
function adminListItems(page) {
  return page.locator('#list-items li[data-film]').evaluateAll((lis) =>
    lis.map((li) => ({
      film: li.dataset.film,
      title: li.querySelector('.list-item-title').textContent.trim(),
      up: li.querySelector('button[value="up"]').disabled ? 'disabled' : 'enabled',
      down: li.querySelector('button[value="down"]').disabled ? 'disabled' : 'enabled',
      note: li.querySelector('input[name="note"]').value,
      draggable: li.draggable,
    })),
  );
}

// The films of a public list or watchlist (ol.film-items), in order.
function publicFilmItems(page) {
  return page.locator('main ol.film-items > li').evaluateAll((lis) =>
    lis.map((li) => {
      const a = li.querySelector('a[href^="/films/"]');
      // A film without a page is named in a span instead of a link.
      const name = a || li.querySelector('div > span');
      const rank = li.querySelector('.rank');
      const note = li.querySelector('.item-note');
      return {
        href: a && a.getAttribute('href'),
        text: name ? name.textContent.replace(/\s+/g, ' ').trim() : null,
        rank: rank ? rank.textContent.trim() : null,
        note: note ? note.textContent.trim() : null,
      };
    }),
  );
}

// The films on /admin/watchlist (ul.watch-items), as their labels.
function adminWatchlist(page) {
  return page.locator('main ul.watch-items > li').evaluateAll((lis) => lis.map((li) => li.firstChild.textContent.trim()));
}

function decodeEntities(s) {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/gi, '/')
    .replace(/&#47;/g, '/')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

// Same-origin links on the pages that do not answer 200: ["page -> link (status)"].
const linkStatus = new Map();
async function brokenLinks(pages) {
  const problems = [];
  for (const p of pages) {
    const res = await fetch(server.base + p);
    const html = await res.text();
    if (res.status !== 200) {
      problems.push(`${p} itself answered ${res.status}`);
      continue;
    }
    const links = new Set();
    for (const m of html.matchAll(/<a\b[^>]*?\shref\s*=\s*"([^"]*)"/gi)) {
      const u = new URL(decodeEntities(m[1]), server.base + p);
      if (u.origin !== server.base) continue;
      links.add(u.pathname + u.search);
    }
    for (const link of links) {
      if (!linkStatus.has(link)) {
        const r = await fetch(server.base + link, { redirect: 'follow' });
        await r.arrayBuffer();
        linkStatus.set(link, r.status);
      }
      const status = linkStatus.get(link);
      if (status !== 200) problems.push(`${p} links to ${link}, which answers ${status}`);
    }
  }
  linkStatus.clear(); // statuses change as the tests go on
  return problems;
}

// ---------------------------------------------------------------------------
// doing things in the admin (work with and without JavaScript)

// Fills the quick-log form on an open /admin/diary and submits it; checks the notice.
// `leaveWatchlist` undefined keeps the box as it is (checked by default).
async function logFilm(page, { title, year = '', date, rating = '', rewatch = false, liked = false, tags = '', text = '', leaveWatchlist }) {
  await page.locator('#film_title').fill(title);
  await page.locator('#film_year').fill(year);
  if (date) await page.locator('#watched_on').fill(date);
  if (rating) await page.locator('#rating').selectOption({ label: rating });
  await page.locator('#rewatch').setChecked(rewatch);
  await page.locator('#liked').setChecked(liked);
  if (tags || text) {
    const details = page.locator('form#quick-log details');
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
    await page.locator('#tags').fill(tags);
    await page.locator('#review_text').fill(text);
  }
  if (leaveWatchlist !== undefined) await page.locator('#leave_watchlist').setChecked(leaveWatchlist);
  const res = await clickAndLoad(page, page.locator('form#quick-log').getByRole('button', { name: 'Log it', exact: true }));
  const url = await expectNotice(page, res, '/admin/diary', 'Logged in your diary.', `logging ${title}`);
  assert.equal(url.search, '?notice=logged', `logging ${title} redirected to ${url.pathname}${url.search}`);
}

// The one row of the "Recently logged" table that is new since `before` (a list of rows).
async function newRow(page, before) {
  const known = new Set(before.map((r) => r.href));
  const rows = await recentRows(page);
  const fresh = rows.filter((r) => !known.has(r.href));
  assert.equal(fresh.length, 1, `expected one new row in "Recently logged", found ${JSON.stringify(fresh)}`);
  return fresh[0];
}

async function setDiaryPublic(page) {
  await goto(page, '/admin/account');
  const box = page.locator('#diary_public');
  if (await box.isChecked()) return false;
  await box.check();
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Save profile', exact: true }));
  await expectNotice(page, res, '/admin/account', 'Saved.', 'saving the profile');
  assert.ok(await page.locator('#diary_public').isChecked(), '#diary_public is not checked after saving it checked');
  return true;
}

async function createList(page, title, ranked) {
  await goto(page, '/admin/lists');
  await page.locator('#title').fill(title);
  await page.locator('#ranked').setChecked(ranked);
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Create the list', exact: true }));
  const url = await expectNotice(page, res, /^\/admin\/lists\/\d+$/, 'Created.', `creating the list ${title}`);
  return { id: url.pathname.split('/').pop(), editUrl: url.pathname, title };
}

async function addToList(page, list, film, note = '') {
  await page.locator('#film_title').fill(film.title);
  await page.locator('#film_year').fill(film.year);
  await page.locator('#note').fill(note);
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Add to the list', exact: true }));
  await expectNotice(page, res, list.editUrl, 'Saved.', `adding ${film.title} to the list`);
}

async function publishList(page, list, description) {
  await goto(page, list.editUrl);
  if (description !== undefined) await page.locator('#description').fill(description);
  await page.locator('#published').check();
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Save the list', exact: true }));
  await expectNotice(page, res, list.editUrl, 'Saved.', 'publishing the list');
  const view = page.locator('main a', { hasText: 'View it on the site' });
  assert.equal(await view.count(), 1, 'no "View it on the site" link on a published list');
  list.publicUrl = await view.getAttribute('href');
  assert.match(list.publicUrl, /^\/lists\/[a-z0-9-]+$/, `"View it on the site" points to ${list.publicUrl}`);
  list.slug = list.publicUrl.slice('/lists/'.length);
}

async function addToWatchlist(page, film) {
  await goto(page, '/admin/watchlist');
  await page.locator('#film_title').fill(film.title);
  await page.locator('#film_year').fill(film.year);
  const res = await clickAndLoad(page, page.getByRole('button', { name: 'Add to the watchlist', exact: true }));
  await expectNotice(page, res, '/admin/watchlist', 'Saved.', `adding ${film.title} to the watchlist`);
}

// What the axe and screenshot tests need, made when an earlier flow did not (e.g. when only they
// run, with --test-name-pattern): a public diary with an entry this year, a published list with
// films and an item on the watchlist.
let fixturesPromise = null;
function fixtures() {
  fixturesPromise ??= (async () => {
    const ctx = await signedInContext({ javaScriptEnabled: false });
    try {
      const page = await ctx.newPage();
      await goto(page, '/admin/diary');
      let rows = await recentRows(page);
      if (!rows.some((r) => r.date.startsWith(String(YEAR)))) {
        await logFilm(page, { ...FILMS.kestrel, rating: '3.5 stars out of 5', rewatch: true, liked: true, leaveWatchlist: false });
        rows = await recentRows(page);
      }
      const entryUrl = rows.find((r) => r.date.startsWith(String(YEAR))).href;
      await setDiaryPublic(page);

      let list = state.list && state.list.publicUrl ? state.list : null;
      if (!list) {
        list = await createList(page, 'Fixture nights', true);
        for (const film of [FILMS.kestrel, FILMS.elodie, FILMS.glasshouse]) await addToList(page, list, film);
        await publishList(page, list, 'Films for *late* evenings.');
      }

      await goto(page, '/admin/watchlist');
      if ((await adminWatchlist(page)).length === 0) await addToWatchlist(page, FILMS.ledger);

      // a film page with diary entries: the first film of the public diary
      await goto(page, PUBLIC_DIARY);
      const lines = await diaryLines(page);
      assert.ok(lines.length > 0, `${PUBLIC_DIARY} shows no entries`);
      return { entryUrl, list, filmUrl: lines[0].href };
    } finally {
      await ctx.close();
    }
  })();
  return fixturesPromise;
}

// ---------------------------------------------------------------------------

describe('marquee cinephile: diary, lists, watchlist', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await startServer({
      prepare: async ({ dataDir }) => {
        await runCli(['--data', dataDir, 'user', 'add', '--email', WRITER.email, '--name', WRITER.name, '--role', WRITER.role, '--password-stdin'], {
          input: `${PASSWORD}\n`,
        });
      },
      onSpawn: (s) => {
        server = s;
      },
    });
    browser = await launchBrowser();
    console.log(`# server: ${server.base}`);
    console.log(`# today (server, UTC): ${TODAY}`);
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) fs.writeFileSync(path.join(HERE, 'cinephile-server.log'), server.log.join('\n') + '\n');
    await stopServer(server);
  });

  test('quick logging with JavaScript: a suggestion while typing, today’s date, a rating, rewatch and liked', { timeout: 2 * TEST_TIMEOUT_MS }, async (t) => {
    const step = stepper(t);
    const ctx = await newContext();
    try {
      const page = await ctx.newPage();
      const errors = await watchForErrors(page);
      const film = FILMS.kestrel;
      let before = [];
      let started = 0;

      await step('the writer signs in', async () => {
        await signIn(page);
        session ??= await ctx.storageState(); // the other tests reuse this session
      });

      await step('the diary opens with the title focused, today’s date and the watchlist box ticked', async () => {
        started = performance.now();
        await goto(page, '/admin/diary');
        before = await recentRows(page);
        const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
        assert.equal(focused, 'film_title', `the focus is on #${focused}, not on #film_title (autofocus)`);
        const date = await page.locator('#watched_on').inputValue();
        const localToday = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
        assert.ok([TODAY, localToday].includes(date), `#watched_on is ${JSON.stringify(date)}, expected today (${TODAY})`);
        assert.equal(await page.locator('#watched_on').getAttribute('type'), 'date');
        assert.ok(await page.locator('#leave_watchlist').isChecked(), '"Take it off my watchlist" is not ticked by default');
        assert.equal(await page.locator('#rating').inputValue(), '', 'the rating is not empty by default');
      });

      await step('typing part of the title fills the datalist with the film', async () => {
        await page.locator('#film_title').pressSequentially('Midn', { delay: 60 });
        const option = page.locator(`#film-suggestions option[value="${film.title}"]`);
        await option.waitFor({ state: 'attached', timeout: 10_000 }).catch(() => {});
        const offered = await page.locator('#film-suggestions option').evaluateAll((os) => os.map((o) => `${o.value} | ${o.textContent}`));
        assert.equal(await option.count(), 1, `#film-suggestions has no option "${film.title}" after typing "Midn"; options: ${JSON.stringify(offered)}`);
        assert.equal((await option.textContent()).trim(), label(film), 'the suggestion does not show the year');
      });

      await step('the writer completes title and year, picks 3.5 stars, ticks rewatch and liked, and logs it', async (st) => {
        await page.locator('#film_title').fill(film.title);
        await page.locator('#film_title').press('Tab');
        const autoYear = await page.locator('#film_year').inputValue();
        if (autoYear !== film.year) st.diagnostic(`note: the year was not filled in from the suggestion (it is ${JSON.stringify(autoYear)})`);
        await page.locator('#film_year').fill(film.year);
        await page.locator('#rating').selectOption({ label: '3.5 stars out of 5' });
        assert.equal(await page.locator('#rating').inputValue(), '7', 'the "3.5 stars out of 5" option does not have the value 7 (half-stars)');
        await page.locator('#rewatch').check();
        await page.locator('#liked').check();
        const res = await clickAndLoad(page, page.getByRole('button', { name: 'Log it', exact: true }));
        const url = await expectNotice(page, res, '/admin/diary', 'Logged in your diary.', 'logging with JavaScript');
        await page.locator('main p.notice').waitFor({ state: 'visible' });
        const ms = Math.round(performance.now() - started);
        console.log(`# quick log with JavaScript: ${ms} ms from opening /admin/diary to the "Logged in your diary." notice (typing at 60 ms a key)`);
        assert.equal(url.search, '?notice=logged');
      });

      await step('the entry is in "Recently logged" with its date, stars, rewatch and liked', async () => {
        const row = await newRow(page, before);
        assert.equal(row.film, label(film));
        assert.equal(row.date, TODAY);
        assert.equal(row.stars, '★★★½');
        assert.equal(row.starsLabel, '3.5 stars out of 5');
        assert.match(row.notes, /\brewatch\b/, `the Notes cell is ${JSON.stringify(row.notes)}`);
        assert.match(row.notes, /\bliked\b/, `the Notes cell is ${JSON.stringify(row.notes)}`);
        assert.match(row.href, /^\/admin\/diary\/\d+$/);
        state.entries.kestrel = row.href;
      });

      await step('the entry page shows what was logged', async () => {
        await goto(page, state.entries.kestrel);
        assert.equal(await page.locator('#film_title').inputValue(), film.title);
        assert.equal(await page.locator('#film_year').inputValue(), film.year);
        assert.equal(await page.locator('#watched_on').inputValue(), TODAY);
        assert.equal(await page.locator('#rating').inputValue(), '7');
        assert.ok(await page.locator('#rewatch').isChecked(), 'rewatch is not ticked on the entry page');
        assert.ok(await page.locator('#liked').isChecked(), 'liked is not ticked on the entry page');
      });

      await step('no script errors, failed requests or CSP violations', async () => {
        assert.deepEqual(errors, [], `problems while logging:\n${errors.join('\n')}`);
      });
    } finally {
      await ctx.close();
    }
  });

  test('quick logging without JavaScript', { timeout: 2 * TEST_TIMEOUT_MS }, async (t) => {
    const step = stepper(t);
    const ctx = await signedInContext({ javaScriptEnabled: false });
    try {
      const page = await ctx.newPage();

      await step('the plain form logs a film with stars, liked, tags and a short review', async () => {
        const started = performance.now();
        await goto(page, '/admin/diary');
        const before = await recentRows(page);
        await logFilm(page, {
          ...FILMS.elodie,
          rating: '4.5 stars out of 5',
          liked: true,
          tags: 'paris, telephones',
          text: 'Seven nights of talk, and the eighth is a walk across the city.',
        });
        console.log(`# quick log without JavaScript: ${Math.round(performance.now() - started)} ms from opening /admin/diary to the notice`);
        const row = await newRow(page, before);
        assert.equal(row.film, label(FILMS.elodie));
        assert.equal(row.date, TODAY);
        assert.equal(row.stars, '★★★★½');
        assert.equal(row.starsLabel, '4.5 stars out of 5');
        assert.equal(row.notes, 'liked');
        state.entries.elodie = row.href;
        await goto(page, row.href);
        assert.equal(await page.locator('#tags').inputValue(), 'paris, telephones');
        assert.equal(await page.locator('#review_text').inputValue(), 'Seven nights of talk, and the eighth is a walk across the city.');
        assert.ok(await page.locator('details.film-details').evaluate((d) => d.open), 'the details with tags and the short review are closed although they hold text');
      });

      await step('a title typed without its year finds the one film of that title; another date is kept', async () => {
        await goto(page, '/admin/diary');
        const before = await recentRows(page);
        await logFilm(page, { title: FILMS.glasshouse.title, date: LAST_YEAR_DATE, rating: '3 stars out of 5' });
        const row = await newRow(page, before);
        assert.equal(row.film, label(FILMS.glasshouse), `"${FILMS.glasshouse.title}" without a year was logged as ${JSON.stringify(row.film)}`);
        assert.equal(row.date, LAST_YEAR_DATE);
        assert.equal(row.stars, '★★★');
        assert.equal(row.notes, '');
        state.entries.glasshouse = row.href;
      });

      await step('a title with an accented capital, typed without its year, finds its film too', async () => {
        await goto(page, '/admin/diary');
        const before = await recentRows(page);
        await logFilm(page, { title: FILMS.elodie.title, rating: '4 stars out of 5' });
        const row = await newRow(page, before);
        try {
          assert.equal(
            row.film,
            label(FILMS.elodie),
            `"${FILMS.elodie.title}" typed without a year was not matched to the one film of that title (${label(FILMS.elodie)}): the entry is for ${JSON.stringify(row.film)}, a film the log created`,
          );
        } finally {
          // this entry is only for the check: delete it
          await goto(page, row.href);
          const res = await clickAndLoad(page, page.getByRole('button', { name: 'Delete this entry', exact: true }));
          await expectNotice(page, res, '/admin/diary', 'Deleted.', 'deleting the entry');
        }
      }, { independent: true });
    } finally {
      await ctx.close();
    }
  });

  test('lists: a ranked list reordered with Up/Down (no JavaScript) and by dragging, then published', { timeout: 3 * TEST_TIMEOUT_MS }, async (t) => {
    const step = stepper(t);
    const [A, B, C] = [FILMS.kestrel, FILMS.elodie, FILMS.glasshouse];
    const ids = {};
    const noJs = await signedInContext({ javaScriptEnabled: false });
    const withJs = await signedInContext();
    const reader = await newContext();
    const expectOrder = async (page, films, what) => {
      const items = await adminListItems(page);
      const want = films.map((f, i) => `${i + 1}. ${label(f)}`);
      assert.deepEqual(items.map((i) => i.title), want, `the list's order ${what}`);
      assert.deepEqual(
        items.map((i) => [i.up, i.down]),
        films.map((_, i) => [i === 0 ? 'disabled' : 'enabled', i === films.length - 1 ? 'disabled' : 'enabled']),
        `Up/Down buttons ${what}: Up must be disabled on the first film and Down on the last only`,
      );
      return items;
    };
    try {
      const page = await noJs.newPage();
      let list = null;

      await step('the writer creates a ranked list and adds three films, one with a note', async () => {
        list = await createList(page, 'Nights to remember', true);
        assert.ok(await page.locator('#ranked').isChecked(), 'the new list is not ranked');
        assert.ok(!(await page.locator('#published').isChecked()), 'the new list is published already');
        await addToList(page, list, A);
        await addToList(page, list, B, 'Seven nights on one telephone line.');
        await addToList(page, list, C);
        const items = await expectOrder(page, [A, B, C], 'after adding three films');
        for (const [i, f] of [A, B, C].entries()) ids[f.slug] = items[i].film;
        assert.equal(items[1].note, 'Seven nights on one telephone line.', 'the note was not kept');
        assert.ok(items.every((i) => !i.draggable), 'list items are draggable without JavaScript');
        state.list = list;
      });

      // where each Up/Down press landed, checked by the step after the next
      const moves = [];
      await step('without JavaScript: Down on the first film, then Up on the last', async () => {
        const li = (f) => page.locator(`#list-items li[data-film="${ids[f.slug]}"]`);
        const press = async (film, dir) => {
          const res = await clickAndLoad(page, li(film).getByRole('button', { name: `Move ${label(film)} ${dir}`, exact: true }));
          const url = new URL(page.url());
          if (res.status() !== 200 || url.pathname !== list.editUrl) {
            assert.fail(`"Move ${label(film)} ${dir}" led to HTTP ${res.status()} at ${url.pathname}\n${await describePage(page, res.status())}`);
          }
          moves.push({
            what: `${dir} on ${film.title}`,
            url: url.pathname + url.search + url.hash,
            hash: url.hash,
            want: `#film-${ids[film.slug]}`,
            notices: (await page.locator('main p.notice').allInnerTexts()).map((n) => n.trim()),
          });
        };
        await press(A, 'down');
        await expectOrder(page, [B, A, C], `after "Down" on ${A.title}`);
        await press(C, 'up');
        await expectOrder(page, [B, C, A], `after "Up" on ${C.title}`);
      });

      await step('after Up or Down the page says "Saved." and comes back to the moved film', async () => {
        const problems = [];
        for (const m of moves) {
          if (JSON.stringify(m.notices) !== '["Saved."]') problems.push(`${m.what}: the page shows the notices ${JSON.stringify(m.notices)}, expected ["Saved."] (landed on ${m.url})`);
          if (m.hash !== m.want) problems.push(`${m.what}: the page's fragment is ${JSON.stringify(m.hash)}, expected ${JSON.stringify(m.want)}, so it does not scroll back to the film (landed on ${m.url})`);
        }
        assert.deepEqual(problems, [], `after Up/Down:\n${problems.join('\n')}`);
      }, { independent: true });

      await step('with JavaScript: dragging the last film to the top saves the order', async () => {
        const jp = await withJs.newPage();
        const errors = await watchForErrors(jp);
        await goto(jp, list.editUrl);
        const items = jp.locator('#list-items li[data-film]');
        await jp.waitForFunction(() => document.querySelector('#list-items li[data-film]').draggable === true, null, { timeout: 5000 }).catch(() => {});
        const before = await adminListItems(jp);
        assert.ok(before.every((i) => i.draggable), `the list items are not draggable with JavaScript: ${JSON.stringify(before)}`);
        const orderUrl = await jp.locator('#list-items').getAttribute('data-order-url');
        assert.equal(orderUrl, `${list.editUrl}/order`);
        const posted = jp.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === orderUrl, { timeout: 10_000 }).catch(() => null);
        // drag by the title (not the note field), and drop on the top edge of the first film
        await items.last().locator('.list-item-title').dragTo(items.first(), { targetPosition: { x: 12, y: 4 } });
        const status = jp.locator('#order-status');
        await jp.waitForFunction(() => document.getElementById('order-status').textContent.trim() !== '', null, { timeout: 10_000 }).catch(() => {});
        const req = await posted;
        const said = (await status.textContent()).trim();
        assert.ok(req, `dropping sent no POST to ${orderUrl} (#order-status: ${JSON.stringify(said)}; order now ${JSON.stringify((await adminListItems(jp)).map((i) => i.title))})`);
        const body = req.postData() || '';
        const want = [A, B, C].map((f) => ids[f.slug]).join(',');
        assert.ok(body.includes(want), `the POST to ${orderUrl} does not carry the order ${want}:\n${body}`);
        assert.equal(said, 'Order saved.', `#order-status says ${JSON.stringify(said)}`);
        assert.equal(await status.getAttribute('role'), 'status');
        await expectOrder(jp, [A, B, C], 'after the drop (renumbered on the page)');
        assert.deepEqual(errors, [], `problems while dragging:\n${errors.join('\n')}`);

        await jp.reload({ waitUntil: 'load' });
        await expectOrder(jp, [A, B, C], 'after reloading (the dragged order did not persist)');
        await jp.close();
      });

      await step('with JavaScript: a drag released outside the list leaves the saved order on the page', async () => {
        const jp = await withJs.newPage();
        await goto(jp, list.editUrl);
        const items = jp.locator('#list-items li[data-film]');
        await jp.locator('#list-items').scrollIntoViewIfNeeded();
        const from = await items.last().locator('.list-item-title').boundingBox();
        const over = await items.first().boundingBox();
        const outside = await jp.locator('#films-heading').boundingBox();
        // the mouse API, step by step, so the film passes over the first one before it is let go
        await jp.mouse.move(from.x + 5, from.y + 5);
        await jp.mouse.down();
        await jp.mouse.move(from.x + 5, from.y - 10);
        await jp.mouse.move(over.x + 20, over.y + 4, { steps: 4 });
        await jp.mouse.move(over.x + 25, over.y + 5);
        const during = (await adminListItems(jp)).map((i) => i.title);
        await jp.mouse.move(outside.x + 10, outside.y + 10, { steps: 4 });
        await jp.mouse.up();
        await jp.waitForTimeout(500);
        const shown = (await adminListItems(jp)).map((i) => i.title);
        const said = ((await jp.locator('#order-status').textContent()) || '').trim();
        await jp.reload({ waitUntil: 'load' });
        const saved = (await adminListItems(jp)).map((i) => i.title);
        await jp.close();
        assert.deepEqual(
          shown,
          saved,
          `after dragging ${C.title} over the first film and letting go outside the list (order while dragging: ${JSON.stringify(during)}), the page shows an order that was not saved (#order-status: ${JSON.stringify(said)})`,
        );
      }, { independent: true });

      await step('the writer publishes the list with a Markdown description', async () => {
        await publishList(page, list, 'Three films that happen mostly **after dark**.');
        assert.ok(await page.locator('#published').isChecked(), 'the list is not published after saving');
        assert.equal(await page.locator('#description').inputValue(), 'Three films that happen mostly **after dark**.');
        await goto(page, '/admin/lists');
        const row = page.locator('main table tr', { has: page.locator(`a[href="${list.editUrl}"]`) });
        assert.equal(await row.count(), 1, `/admin/lists has no row for ${list.editUrl}`);
        assert.equal(await row.locator(`a[href="${list.publicUrl}"]`).innerText(), 'published');
      });

      await step('readers see it on /lists and /lists/{slug}, in the dragged order', async () => {
        const rp = await reader.newPage();
        await goto(rp, '/lists');
        const entry = rp.locator(`main a[href="${list.publicUrl}"]`);
        assert.equal(await entry.count(), 1, `/lists does not link to ${list.publicUrl}`);
        assert.equal((await entry.innerText()).trim(), list.title);
        const count = (await rp.locator('main li', { has: rp.locator(`a[href="${list.publicUrl}"]`) }).locator('.count').innerText()).trim();
        assert.equal(count, `ranked, 3 films, by ${WRITER.name}`);

        await goto(rp, list.publicUrl);
        assert.equal((await rp.locator('h1').innerText()).trim(), list.title);
        assert.equal((await rp.locator('main .list-description strong').innerText()).trim(), 'after dark', 'the Markdown description is not rendered');
        const films = await publicFilmItems(rp);
        assert.deepEqual(
          films.map((f) => [f.rank, f.href, f.text]),
          [A, B, C].map((f, i) => [String(i + 1), `/films/${f.slug}`, `Number ${i + 1}: ${label(f)}`]),
          `${list.publicUrl} does not show the films in the saved order`,
        );
        assert.deepEqual(films.map((f) => f.note), [null, 'Seven nights on one telephone line.', null]);
      });

      await step('the film page lists it under "In lists"', async () => {
        const rp = await reader.newPage();
        await goto(rp, `/films/${A.slug}`);
        const section = rp.locator('main section[aria-labelledby="film-lists"]');
        assert.equal(await section.count(), 1, `/films/${A.slug} has no "In lists" section`);
        assert.equal((await section.locator('h2').innerText()).trim(), 'In lists');
        assert.equal((await section.locator(`a[href="${list.publicUrl}"]`).innerText()).trim(), list.title);
      });

      await step('every link on /lists and the list page works (the owner’s diary is still private)', async () => {
        const problems = await brokenLinks(['/lists', list.publicUrl]);
        assert.deepEqual(problems, [], `broken links on the public list pages:\n${problems.join('\n')}`);
      }, { independent: true });
    } finally {
      await noJs.close();
      await withJs.close();
      await reader.close();
    }
  });

  test('the public diary: 404 while private; diary, year, month, year in review and the film page once public', { timeout: 3 * TEST_TIMEOUT_MS }, async (t) => {
    const step = stepper(t);
    const writer = await signedInContext();
    const reader = await newContext();
    const yearPath = `${PUBLIC_DIARY}/${YEAR}`;
    const monthPath = `${PUBLIC_DIARY}/${YEAR}/${MONTH}`;
    const reviewPath = `${PUBLIC_DIARY}/${YEAR}/in-review`;
    const lastYearPath = `${PUBLIC_DIARY}/${YEAR - 1}`;
    const elodiePath = `/films/${FILMS.elodie.slug}`;
    try {
      const page = await writer.newPage();
      const rp = await reader.newPage();
      let averageWhilePrivate = null;

      await step('while the diary is private its pages answer 404 and the film page shows no entry', async (st) => {
        for (const p of [PUBLIC_DIARY, yearPath, monthPath, reviewPath, PUBLIC_WATCHLIST]) {
          const res = await fetch(server.base + p);
          await res.arrayBuffer();
          assert.equal(res.status, 404, `GET ${p} answered ${res.status} while the diary is private`);
        }
        await goto(rp, elodiePath);
        assert.equal(await rp.locator('#film-diary').count(), 0, `${elodiePath} shows "In the writers’ diaries" while the only diary is private`);
        averageWhilePrivate = (await rp.locator('.film-average').innerText().catch(() => '')).trim();
        // The demo's review is the only public rating of this film; the private diary rated it too.
        if (/from 2 writers/.test(averageWhilePrivate)) {
          const note = `note: ${elodiePath} shows ${JSON.stringify(averageWhilePrivate)} while ${WRITER.name}'s diary is private: the private diary rating is counted in the public average`;
          st.diagnostic(note);
          console.log(`# ${note}`);
        }
      });

      await step('the writer makes the diary public on /admin/account', async () => {
        await goto(page, '/admin/account');
        const box = page.locator('#diary_public');
        assert.ok(!(await box.isChecked()), '#diary_public is checked before the writer chose it');
        const labelText = (await page.locator('label[for="diary_public"]').innerText()).trim();
        assert.match(labelText, /^Show my diary and watchlist on the site/, `the #diary_public label reads ${JSON.stringify(labelText)}`);
        assert.ok(await setDiaryPublic(page), 'the diary was public already');
        await goto(page, '/admin/diary');
        const link = page.locator('main a', { hasText: 'Your public diary' });
        assert.equal(await link.getAttribute('href'), PUBLIC_DIARY);
      });

      await step('the public diary shows the entries by month, with stars, rewatch and liked marks', async () => {
        await goto(rp, PUBLIC_DIARY);
        assert.equal((await rp.locator('h1').innerText()).trim(), `${WRITER.name}’s diary`);
        const months = await rp.locator('main section.diary-month h2').allInnerTexts();
        assert.deepEqual(months.map((m) => m.trim()), [monthHeading(TODAY), monthHeading(LAST_YEAR_DATE)], 'the month groups');
        const lines = await diaryLines(rp);
        const kestrel = lines.find((l) => l.href === `/films/${FILMS.kestrel.slug}`);
        const elodie = lines.find((l) => l.href === `/films/${FILMS.elodie.slug}`);
        const glass = lines.find((l) => l.href === `/films/${FILMS.glasshouse.slug}`);
        assert.ok(kestrel && elodie && glass, `the public diary lacks an entry: ${JSON.stringify(lines, null, 1)}`);
        assert.deepEqual(
          { film: kestrel.film, datetime: kestrel.datetime, month: kestrel.month, stars: kestrel.stars, role: kestrel.starsRole, label: kestrel.starsLabel },
          { film: label(FILMS.kestrel), datetime: TODAY, month: monthHeading(TODAY), stars: '★★★½', role: 'img', label: '3.5 stars out of 5' },
        );
        assert.deepEqual(kestrel.marks, [{ title: 'Rewatched', text: '↻ rewatch' }, { title: 'Liked', text: '♥ liked' }], 'the rewatch and liked marks');
        assert.deepEqual(
          { stars: elodie.stars, label: elodie.starsLabel, marks: elodie.marks.map((m) => m.title), tags: elodie.tags, text: elodie.text },
          { stars: '★★★★½', label: '4.5 stars out of 5', marks: ['Liked'], tags: 'paris, telephones', text: 'Seven nights of talk, and the eighth is a walk across the city.' },
        );
        assert.deepEqual({ month: glass.month, datetime: glass.datetime, stars: glass.stars, marks: glass.marks }, { month: monthHeading(LAST_YEAR_DATE), datetime: LAST_YEAR_DATE, stars: '★★★', marks: [] });
        const years = await rp.locator('main nav[aria-label="Diary years"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.deepEqual(years.sort(), [lastYearPath, yearPath].sort(), 'the diary years nav');
        assert.equal(await rp.locator(`main a[href="${PUBLIC_WATCHLIST}"]`).count(), 1, 'the diary does not link to the watchlist');
      });

      await step('the year page shows only that year, and links to the year in review', async () => {
        await goto(rp, yearPath);
        assert.equal((await rp.locator('h1').innerText()).trim(), `${WRITER.name}’s diary: ${YEAR}`);
        const lines = await diaryLines(rp);
        assert.deepEqual(lines.map((l) => l.film).sort(), [label(FILMS.kestrel), label(FILMS.elodie)].sort());
        assert.equal(await rp.locator(`main nav a[href="${yearPath}"]`).getAttribute('aria-current'), 'page');
        assert.equal(await rp.locator(`main a[href="${reviewPath}"]`).count(), 1, `${yearPath} does not link to ${reviewPath}`);
        await goto(rp, lastYearPath);
        assert.deepEqual((await diaryLines(rp)).map((l) => l.film), [label(FILMS.glasshouse)], `${lastYearPath} shows the wrong entries`);
      });

      await step('the month page shows that month', async () => {
        await goto(rp, monthPath);
        assert.equal((await rp.locator('h1').innerText()).trim(), `${WRITER.name}’s diary: ${monthHeading(TODAY)}`);
        const lines = await diaryLines(rp);
        assert.deepEqual(lines.map((l) => l.film).sort(), [label(FILMS.kestrel), label(FILMS.elodie)].sort());
        assert.ok(lines.every((l) => l.datetime.startsWith(`${YEAR}-${MONTH}-`)));
      });

      await step('the year in review: stats, the ratings chart with its table, directors and actors', async () => {
        await goto(rp, reviewPath);
        assert.equal((await rp.locator('h1').innerText()).trim(), `${WRITER.name}’s ${YEAR} in film`);
        const stats = Object.fromEntries(
          await rp.locator('main dl.year-stats > div').evaluateAll((ds) => ds.map((d) => [d.querySelector('dt').textContent.trim(), d.querySelector('dd').textContent.trim()])),
        );
        assert.equal(stats['Films watched'], '2', JSON.stringify(stats));
        assert.equal(stats['Different films'], '2', JSON.stringify(stats));
        assert.equal(stats['First watches'], '1', JSON.stringify(stats));
        assert.equal(stats['Rewatches'], '1', JSON.stringify(stats));
        assert.match(stats['Hours watched'] || '', /^\d+(\.\d+)?$/, JSON.stringify(stats));

        const chart = await rp.locator('main svg[role="img"]').evaluateAll((svgs) =>
          svgs.map((svg) => ({
            name: (svg.getAttribute('aria-labelledby') || '').split(/\s+/).map((id) => document.getElementById(id)?.textContent.trim()).join(' | '),
            bars: svg.querySelectorAll('rect.bar').length,
            tall: [...svg.querySelectorAll('rect.bar')].filter((r) => Number(r.getAttribute('height')) > 0).length,
            shown: svg.getBoundingClientRect().width > 0,
          })),
        );
        assert.equal(chart.length, 1, `expected one svg[role=img] on ${reviewPath}`);
        assert.match(chart[0].name, new RegExp(`^How ${WRITER.name}’s ratings spread \\| `), `the chart's accessible name: ${chart[0].name}`);
        assert.deepEqual([chart[0].bars, chart[0].tall, chart[0].shown], [10, 2, true], `the chart: ${JSON.stringify(chart[0])}`);

        const table = rp.locator('main table.data-table');
        assert.equal((await table.locator('caption').innerText()).trim(), 'Films by rating');
        const rows = Object.fromEntries(
          await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th').textContent.trim(), tr.querySelector('td').textContent.trim()])),
        );
        assert.equal(Object.keys(rows).length, 10, `the table has ${Object.keys(rows).length} rows`);
        assert.equal(rows['3.5 stars out of 5'], '1');
        assert.equal(rows['4.5 stars out of 5'], '1');
        assert.equal(Object.values(rows).filter((n) => n !== '0').length, 2, JSON.stringify(rows));

        const directors = await rp.locator('main section[aria-labelledby="directors-heading"] li').allInnerTexts();
        assert.ok(directors.some((d) => d.startsWith(FILMS.elodie.director) && /1 film$/.test(d)), `Most-watched directors: ${JSON.stringify(directors)}`);
        const actors = await rp.locator('main section[aria-labelledby="actors-heading"] li a[href^="/people/"]').count();
        assert.ok(actors >= 1, 'Most-watched actors is empty');
      });

      await step('the film page shows the diary entry and the average rating', async () => {
        await goto(rp, elodiePath);
        const section = rp.locator('main section[aria-labelledby="film-diary"]');
        assert.equal(await section.count(), 1, `${elodiePath} has no diary section`);
        assert.equal((await section.locator('h2').innerText()).trim(), 'In the writers’ diaries');
        const lines = await diaryLines(rp);
        assert.equal(lines.length, 1, JSON.stringify(lines));
        assert.deepEqual(lines[0].writer, { text: WRITER.name, href: PUBLIC_DIARY });
        assert.deepEqual([lines[0].stars, lines[0].starsRole, lines[0].starsLabel], ['★★★★½', 'img', '4.5 stars out of 5']);
        const average = (await rp.locator('main .film-average').innerText()).trim();
        // the demo review's score and this diary's 4.5 stars (9 / 10)
        assert.match(average, /^Average rating: \d+\.\d \/ 10 from 2 writers$/, `the average rating reads ${JSON.stringify(average)} (while private: ${JSON.stringify(averageWhilePrivate)})`);
      });

      await step('every link on the public diary pages and their films’ pages works', async () => {
        const problems = await brokenLinks([PUBLIC_DIARY, yearPath, monthPath, reviewPath, lastYearPath, elodiePath, `/films/${FILMS.kestrel.slug}`]);
        assert.deepEqual(problems, [], `broken links:\n${problems.join('\n')}`);
      }, { independent: true });
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test('the watchlist: add, remove, shown publicly, and taken off when the film is logged', { timeout: 3 * TEST_TIMEOUT_MS }, async (t) => {
    const step = stepper(t);
    const ctx = await signedInContext();
    const reader = await newContext();
    const [H, L, T] = [FILMS.harbour, FILMS.ledger, FILMS.tarrow];
    try {
      const page = await ctx.newPage();
      const rp = await reader.newPage();
      const errors = await watchForErrors(page);

      await step('the writer adds a new film and two demo films, and removes one', async () => {
        await goto(page, '/admin/watchlist');
        assert.deepEqual(await adminWatchlist(page), [], 'the watchlist is not empty at first');
        for (const f of [H, L, T]) await addToWatchlist(page, f);
        assert.deepEqual((await adminWatchlist(page)).sort(), [label(H), label(L), label(T)].sort());
        const remove = page.getByRole('button', { name: `Remove ${label(T)} from the watchlist`, exact: true });
        const res = await clickAndLoad(page, remove);
        await expectNotice(page, res, '/admin/watchlist', 'Deleted.', 'removing a film from the watchlist');
        assert.deepEqual((await adminWatchlist(page)).sort(), [label(H), label(L)].sort());
        assert.equal(await page.locator('main a', { hasText: 'Your public watchlist' }).getAttribute('href'), PUBLIC_WATCHLIST);
      });

      await step('the public watchlist shows them', async () => {
        await goto(rp, PUBLIC_WATCHLIST);
        assert.equal((await rp.locator('h1').innerText()).trim(), `${WRITER.name}’s watchlist`);
        const films = await publicFilmItems(rp);
        // A film that is only on a watchlist has no page yet: it is named without a link.
        const byText = Object.fromEntries(films.map((f) => [f.text, f.href]));
        assert.equal(byText[label(H)], null, `a watchlist-only film is not linked: ${JSON.stringify(films)}`);
        assert.equal(byText[label(L)], `/films/${L.slug}`, `a film with a page is linked: ${JSON.stringify(films)}`);
        assert.deepEqual(films.map((f) => f.text).sort(), [label(H), label(L)].sort());
      });

      await step('every film on the public watchlist links to a page', async () => {
        const problems = await brokenLinks([PUBLIC_WATCHLIST]);
        assert.deepEqual(problems, [], `broken links on the public watchlist:\n${problems.join('\n')}`);
      }, { independent: true });

      await step('logging a film with "Take it off my watchlist" ticked takes it off', async () => {
        await goto(page, '/admin/diary');
        assert.ok(await page.locator('#leave_watchlist').isChecked());
        await logFilm(page, { ...H, rating: '4 stars out of 5' });
        await goto(page, '/admin/watchlist');
        assert.deepEqual(await adminWatchlist(page), [label(L)], 'the logged film is still on /admin/watchlist');
        await goto(rp, PUBLIC_WATCHLIST);
        assert.deepEqual((await publicFilmItems(rp)).map((f) => f.text), [label(L)], 'the logged film is still on the public watchlist');
      });

      await step('logging with the box unticked leaves the film on the watchlist', async () => {
        await goto(page, '/admin/diary');
        await logFilm(page, { ...L, leaveWatchlist: false });
        await goto(page, '/admin/watchlist');
        assert.deepEqual(await adminWatchlist(page), [label(L)], 'the film left the watchlist although the box was unticked');
      });

      await step('the new film, created by its title, has a page with the diary entry', async () => {
        await goto(rp, `/films/${H.slug}`);
        assert.equal((await rp.locator('h1').innerText()).trim(), H.title);
        const lines = await diaryLines(rp);
        assert.deepEqual(lines.map((l) => [l.writer && l.writer.text, l.starsLabel]), [[WRITER.name, '4 stars out of 5']]);
      });

      await step('no script errors, failed requests or CSP violations', async () => {
        assert.deepEqual(errors, [], `problems on the admin pages:\n${errors.join('\n')}`);
      });
    } finally {
      await ctx.close();
      await reader.close();
    }
  });

  describe('axe on the cinephile pages (wcag2a, wcag2aa, wcag21a, wcag21aa, best-practice)', () => {
    const F = () => fixtures();
    // name -> [signed in?, path()]
    const PAGES = [
      ['admin diary (with entries)', true, async () => '/admin/diary'],
      ['admin diary entry', true, async () => (await F()).entryUrl],
      ['admin lists', true, async () => '/admin/lists'],
      ['admin list with films', true, async () => (await F()).list.editUrl],
      ['admin watchlist with an item', true, async () => '/admin/watchlist'],
      ['admin account', true, async () => '/admin/account'],
      ['public diary', false, async () => PUBLIC_DIARY],
      ['public diary year', false, async () => `${PUBLIC_DIARY}/${YEAR}`],
      ['public diary month', false, async () => `${PUBLIC_DIARY}/${YEAR}/${MONTH}`],
      ['public year in review', false, async () => `${PUBLIC_DIARY}/${YEAR}/in-review`],
      ['public watchlist', false, async () => PUBLIC_WATCHLIST],
      ['public lists index', false, async () => '/lists'],
      ['public list', false, async () => (await F()).list.publicUrl],
      ['film page with diary entries', false, async () => (await F()).filmUrl],
    ];
    for (const colorScheme of ['light', 'dark']) {
      for (const [name, signedIn, pathOf] of PAGES) {
        test(`${name} page has no axe violations (${colorScheme} colour scheme)`, { timeout: TEST_TIMEOUT_MS }, async () => {
          await fixtures();
          const p = await pathOf();
          // bypassCSP: axe is injected as an inline script, which the strict CSP (rightly) blocks.
          const opts = { bypassCSP: true, colorScheme };
          const ctx = signedIn ? await signedInContext(opts) : await newContext(opts);
          try {
            const page = await ctx.newPage();
            await goto(page, p);
            await page.waitForLoadState('networkidle').catch(() => {});
            await loadLazyImages(page);
            const v = await axeViolations(page);
            if (v.length) {
              const report = `axe violations on the ${name} page (${p}, ${colorScheme} colour scheme):\n${formatViolations(v)}`;
              console.log(report);
              assert.fail(report);
            }
          } finally {
            await ctx.close();
          }
        });
      }
    }
  });

  test('year in review screenshots at 1280px and 360px, no horizontal overflow', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    await fixtures();
    const p = `${PUBLIC_DIARY}/${YEAR}/in-review`;
    const overflow = [];
    for (const width of [1280, 360]) {
      const ctx = await newContext({ viewport: { width, height: 800 } });
      try {
        const page = await ctx.newPage();
        await goto(page, p);
        await loadLazyImages(page);
        const file = path.join(SCREENSHOT_DIR, `year-in-review-${width}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`# screenshot: ${file}`);
        const r = await page.evaluate(() => {
          const svg = document.querySelector('svg[role="img"]').getBoundingClientRect();
          return { sw: document.documentElement.scrollWidth, svgRight: Math.round(svg.right), svgWidth: Math.round(svg.width) };
        });
        if (r.sw > width) overflow.push(`the year in review at ${width}px: document is ${r.sw}px wide`);
        if (r.svgRight > width) overflow.push(`the year in review at ${width}px: the chart ends at ${r.svgRight}px`);
      } finally {
        await ctx.close();
      }
    }
    assert.deepEqual(overflow, [], `horizontal overflow: ${overflow.join('; ')}`);
  });
});
