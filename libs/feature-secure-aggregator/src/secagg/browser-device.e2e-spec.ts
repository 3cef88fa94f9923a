/**
 * A device in a real browser: the client SDK, bundled for the browser, runs in headless Chromium
 * (the page is served from the aggregator's origin) and takes part in a SecAgg+ round beside Node
 * devices. The released sum must include its update exactly.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import { MemoryKeyValueStore } from '@cohort/state';
import {
  DEVICE_KEY, exactUpdate, openRound, outcomeOf, participate, readSum, registerDevices, startAggregator, type Aggregator,
} from './aggregator-harness.testing';

const ROOT = resolve(__dirname, '../../../..');
const DIMENSION = 16;
const PAGE = '/__browser-device__';

/** The SDK as a browser script: `window.contribute(options, task, update)` runs one device. */
async function deviceScript(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `
        import { SecureAggregationParticipant } from './index';
        window.contribute = (options, task, update) =>
          new SecureAggregationParticipant({ ...options, identitySecretKey: Uint8Array.from(options.identitySecretKey) })
            .contribute(task, Float32Array.from(update));
      `,
      resolveDir: resolve(ROOT, 'libs/client-sdk/src'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    tsconfig: resolve(ROOT, 'tsconfig.base.json'),
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('a browser device in a SecAgg+ round', () => {
  const bus = new EmbeddedEventBus();
  const blobs = new MemoryBlobStore();
  let aggregator: Aggregator;
  let browser: Browser;

  beforeAll(async () => {
    aggregator = await startAggregator({ store: new MemoryKeyValueStore(), bus, blobs, options: { dropoutFraction: 0.5, corruptFraction: 0 } });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await aggregator?.close();
  });

  it('contributes from Chromium, and the released sum includes its update exactly', async () => {
    const [inBrowser, ...inNode] = await registerDevices(bus, 5, 'browser');

    const page = await browser.newPage();
    const script = await deviceScript();
    await page.route(`${aggregator.url}${PAGE}`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${script}</script>` }));
    await page.goto(`${aggregator.url}${PAGE}`);
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');

    // The page is ready before the round opens: stage deadlines are short here.
    const { payload, task } = await openRound(bus, [inBrowser!, ...inNode].map((d) => d.clientId), { dimension: DIMENSION, minSurvivors: 5 });
    const outcome = await outcomeOf(bus, payload.roundId, 'test.browser');
    const updates = [inBrowser!, ...inNode].map((_, i) => exactUpdate(DIMENSION, 50 + i));

    const fromBrowser = page.evaluate(
      ([options, t, update]) => (globalThis as unknown as { contribute: (o: unknown, t: unknown, u: readonly number[]) => Promise<unknown> }).contribute(options, t, update),
      [
        { aggregatorUrl: aggregator.url, apiKey: DEVICE_KEY, clientId: inBrowser!.clientId, identitySecretKey: [...inBrowser!.identity.secretKey] },
        task,
        [...updates[0]!],
      ] as const,
    );
    const fromNode = Promise.all(inNode.map((d, i) => participate(aggregator.url, d, task, updates[i + 1]!)));
    expect(await fromBrowser).toEqual({ outcome: 'contributed', group: 0 });
    expect((await fromNode).map((r) => r.outcome)).toEqual(['contributed', 'contributed', 'contributed', 'contributed']);

    const result = await outcome();
    if (!('ready' in result)) throw new Error(`aborted: ${result.aborted.reason}`);
    expect(result.ready.contributors).toBe(5);
    const expected = new Float64Array(DIMENSION);
    for (const u of updates) for (let i = 0; i < DIMENSION; i++) expected[i] += u[i]!;
    expect(await readSum(blobs, result.ready)).toEqual(Float32Array.from(expected));
    await page.close();
  }, 60_000);
});
