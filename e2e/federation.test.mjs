// Browser end-to-end tests for federation: what a reader and a moderator see.
//
// Runs with node's built-in test runner:  node --test federation.test.mjs
// Starts `serve --demo` (with MARQUEE_FEDERATION_ALLOW_PRIVATE=1: the replying account lives on
// 127.0.0.1) and a small fediverse account of its own here: an actor document with an RSA key,
// whose signed reply (draft-cavage, rsa-sha256, node's crypto) reaches a demo review.
//
// 1. A writer's page says how to follow them, with their handle.
// 2. The reply waits in Admin › Replies (axe-clean), is not on the review page, and shows under
//    the review once the editor approves it (axe-clean, light and dark, 360 and 1280 px), its
//    script gone and its remote image not loaded.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  SCREENSHOT_DIR,
  runCli,
  startServer,
  stopServer,
  launchBrowser,
  formatViolations,
  axeViolations,
  pageHelpers,
} from './helpers.mjs';

const PASSWORD = 'correct horse battery staple';
const EDITOR = { email: 'moderator@example.com', name: 'Mona Moderator', role: 'editor' };
const REPLY = 'What a generous reading of the last reel';

let server = null;
let browser = null;
let peer = null;
const { describePage, goto, clickAndLoad } = pageHelpers(() => server);

// A fediverse account: its actor document and key, on a port of its own.
async function startPeer() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const srv = http.createServer((req, res) => {
    if (req.url === '/actor') {
      res.writeHead(200, { 'content-type': 'application/activity+json' });
      res.end(JSON.stringify(actor));
    } else {
      res.writeHead(req.method === 'POST' ? 202 : 404);
      res.end();
    }
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${srv.address().port}`;
  const actor = {
    '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
    id: `${base}/actor`,
    type: 'Person',
    preferredUsername: 'rosa',
    name: 'Rosa Reel',
    inbox: `${base}/inbox`,
    url: `${base}/@rosa`,
    publicKey: { id: `${base}/actor#main-key`, owner: `${base}/actor`, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) },
  };
  return { srv, base, actor, privateKey };
}

// POSTs an activity signed as the peer (the headers Mastodon signs).
async function postSigned(inbox, activity) {
  const url = new URL(inbox);
  const body = JSON.stringify(activity);
  const date = new Date().toUTCString();
  const digest = `SHA-256=${crypto.createHash('sha256').update(body).digest('base64')}`;
  const text = `(request-target): post ${url.pathname}\nhost: ${url.host}\ndate: ${date}\ndigest: ${digest}`;
  const signature = crypto.sign('sha256', Buffer.from(text), peer.privateKey).toString('base64');
  const res = await fetch(inbox, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/activity+json',
      date,
      digest,
      signature: `keyId="${peer.actor.id}#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="${signature}"`,
    },
  });
  await res.arrayBuffer();
  return res.status;
}

async function axeCheck(page, what) {
  await page.waitForLoadState('networkidle').catch(() => {});
  const v = await axeViolations(page);
  if (v.length) assert.fail(`axe violations on ${what}:\n${formatViolations(v)}`);
}

describe('federation', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    process.env.MARQUEE_FEDERATION_ALLOW_PRIVATE = '1';
    peer = await startPeer();
    server = await startServer({
      prepare: async ({ dataDir }) => {
        await runCli(['--data', dataDir, 'user', 'add', '--email', EDITOR.email, '--name', EDITOR.name, '--role', EDITOR.role, '--password-stdin'], {
          input: `${PASSWORD}\n`,
        });
      },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopServer(server);
    if (peer) peer.srv.close();
    delete process.env.MARQUEE_FEDERATION_ALLOW_PRIVATE;
  });

  test('a reply from the fediverse waits for a moderator, then shows under the review', async () => {
    const res = await fetch(`${server.base}/api/v1/reviews?limit=1`);
    const review = (await res.json()).items[0];
    assert.ok(review && review.author, 'the demo has a review with a writer');
    const host = new URL(server.base).host;

    // The writer's page says how to follow them.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await goto(page, `/writers/${review.author.slug}`);
    const follow = page.locator('.follow');
    await follow.waitFor();
    assert.match(await follow.innerText(), new RegExp(`@${review.author.slug}@${host.replace('.', '\\.')}`));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'federation-writer.png'), fullPage: false });

    // A reply arrives, signed.
    const objectId = `${server.base}/ap/reviews/${review.id}`;
    const note = {
      id: `${peer.base}/notes/1`,
      type: 'Note',
      attributedTo: peer.actor.id,
      inReplyTo: objectId,
      to: ['https://www.w3.org/ns/activitystreams#Public'],
      content: `<p>${REPLY}.<script>alert(1)</script><img src="${peer.base}/tracker.png"> <a href="https://example.org/essay">More</a></p>`,
      published: new Date().toISOString(),
    };
    const status = await postSigned(`${server.base}/ap/inbox`, { id: `${note.id}/create`, type: 'Create', actor: peer.actor.id, object: note });
    assert.equal(status, 202);
    await goto(page, new URL(review.url).pathname);
    assert.equal(await page.getByText(REPLY).count(), 0, 'a held reply is not on the page');

    // The moderator approves it from the queue.
    const admin = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const adminPage = await admin.newPage();
    await goto(adminPage, '/admin/login');
    await adminPage.locator('#email').fill(EDITOR.email);
    await adminPage.locator('#password').fill(PASSWORD);
    await clickAndLoad(adminPage, adminPage.getByRole('button', { name: 'Sign in', exact: true }));
    const queue = await goto(adminPage, '/admin/replies');
    assert.equal(queue.status(), 200, await describePage(adminPage, queue.status()));
    await adminPage.getByText(REPLY).waitFor();
    await axeCheck(adminPage, 'the moderation queue');
    await adminPage.screenshot({ path: path.join(SCREENSHOT_DIR, 'federation-queue.png'), fullPage: true });
    await clickAndLoad(adminPage, adminPage.getByRole('button', { name: 'Approve the reply from @rosa@127.0.0.1' }));
    await adminPage.getByText('Approved').first().waitFor();

    // Under the review now, as a reader sees it.
    let remoteImages = 0;
    for (const scheme of ['light', 'dark']) {
      for (const width of [360, 1280]) {
        const readerCtx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme, bypassCSP: true });
        const reader = await readerCtx.newPage();
        reader.on('request', (r) => {
          if (r.url().startsWith(peer.base)) remoteImages += 1;
        });
        await goto(reader, new URL(review.url).pathname);
        const reply = reader.locator('.reply');
        await reply.first().waitFor();
        assert.match(await reply.first().innerText(), new RegExp(REPLY));
        assert.equal(await reader.locator('.reply script, .reply img').count(), 0);
        assert.equal(await reader.locator('.reply a[href="https://example.org/essay"]').getAttribute('rel'), 'nofollow ugc noopener noreferrer');
        const overflow = await reader.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `no horizontal overflow at ${width} px (${overflow})`);
        await axeCheck(reader, `a review with a reply (${scheme}, ${width} px)`);
        if (width === 360) await reader.locator('.fediverse').screenshot({ path: path.join(SCREENSHOT_DIR, `federation-reply-${scheme}.png`) }).catch(() => {});
        await readerCtx.close();
      }
    }
    assert.equal(remoteImages, 0, 'the page loads nothing from the replying server');
    await ctx.close();
    await admin.close();
  });
});
