import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../demo/build.js';
import { type NetworkProxy, startProxy } from './helpers/proxy.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ARTIFACTS = 'test/artifacts';
const WAIT = { timeout: 20_000 };

/** The contents of the messages shown in the open conversation, oldest first. */
function shown(page: Page): Promise<string[]> {
  return page.$$eval('#messages li .content', (items) =>
    items.map((item) => item.textContent ?? ''),
  );
}

/** Waits until the open conversation shows exactly these messages (then asserts it). */
async function showsExactly(page: Page, contents: string[]): Promise<void> {
  await page
    .waitForFunction(
      (expected) =>
        JSON.stringify(
          [...document.querySelectorAll('#messages li .content')].map((li) => li.textContent),
        ) === expected,
      JSON.stringify(contents),
      WAIT,
    )
    .catch(() => undefined);
  expect(await shown(page)).toEqual(contents);
}

async function enter(page: Page, name: string): Promise<void> {
  await page.fill('#login input[name=name]', name);
  await page.fill('#login input[name=password]', 'correct horse battery');
  await page.click('#login button');
  await page.waitForSelector('#status[data-status=connected]', WAIT);
}

async function send(page: Page, content: string): Promise<void> {
  await page.fill('#composer input', content);
  await page.press('#composer input', 'Enter');
}

describe('demo chat page in Chromium', () => {
  let server: TestServer;
  // Bob's browser reaches the server through this proxy, so the test can take him offline.
  let bobsNetwork: NetworkProxy;
  let browser: Browser;

  beforeAll(async () => {
    const { bytes } = await buildDemo();
    expect(bytes).toBeLessThan(40 * 1024);
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    bobsNetwork = await startProxy(() => server.wsUrl);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await bobsNetwork?.close();
    await server?.close();
  });

  it('two users chat live; the one who was offline catches up in order', async () => {
    const alice = await (
      await browser.newContext({ viewport: { width: 1000, height: 640 } })
    ).newPage();
    const bob = await (
      await browser.newContext({ viewport: { width: 1000, height: 640 } })
    ).newPage();
    // A fresh server: plain names read well in the screenshot.
    const aliceName = 'alice';
    const bobName = 'bob';

    await alice.goto(new URL('/', server.url).href);
    await enter(alice, aliceName);
    await alice.fill('#new-room input', 'lobby');
    await alice.press('#new-room input', 'Enter');
    await showsExactly(alice, [`${aliceName} joined`]);

    await bob.goto(new URL('/demo', bobsNetwork.httpUrl).href);
    await enter(bob, bobName);
    await bob.click('#rooms button:has-text("lobby")');
    await showsExactly(bob, [`${bobName} joined`]);
    await showsExactly(alice, [`${aliceName} joined`, `${bobName} joined`]);

    // Live, both ways.
    await send(alice, 'hi bob');
    await showsExactly(bob, [`${bobName} joined`, 'hi bob']);
    await send(bob, 'hello alice');
    await showsExactly(alice, [
      `${aliceName} joined`,
      `${bobName} joined`,
      'hi bob',
      'hello alice',
    ]);

    // A direct message, through "who is online".
    await alice.click(`#online button:has-text("${bobName}")`);
    await send(alice, 'psst');
    await bob.click(`#online button:has-text("${aliceName}")`);
    await showsExactly(bob, ['psst']);
    await bob.click('#rooms button:has-text("lobby")');

    // Bob loses the network; Alice sees him go and keeps writing.
    bobsNetwork.offline();
    await bob.waitForSelector('#status[data-status=disconnected]', WAIT);
    await alice.waitForSelector(`#online button:has-text("${bobName}")`, {
      ...WAIT,
      state: 'detached',
    });
    await alice.click('#rooms button:has-text("lobby")');
    for (const content of ['missed 1', 'missed 2', 'missed 3']) await send(alice, content);
    await showsExactly(alice, [
      `${aliceName} joined`,
      `${bobName} joined`,
      'hi bob',
      'hello alice',
      'missed 1',
      'missed 2',
      'missed 3',
    ]);

    // Back online: Bob's client resumes after the last message it showed, once and in order.
    bobsNetwork.online();
    await bob.waitForSelector('#status[data-status=connected]', WAIT);
    const everything = [
      `${bobName} joined`,
      'hi bob',
      'hello alice',
      'missed 1',
      'missed 2',
      'missed 3',
    ];
    await showsExactly(bob, everything);
    await send(alice, 'welcome back');
    await showsExactly(bob, [...everything, 'welcome back']);
    const seqs = await bob.$$eval('#messages li', (items) =>
      items.map((li) => Number((li as HTMLElement).dataset.seq)),
    );
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));

    await bob.screenshot({ path: `${ARTIFACTS}/demo-bob.png` });
    await alice.screenshot({ path: `${ARTIFACTS}/demo-alice.png` });
  }, 120_000);
});
