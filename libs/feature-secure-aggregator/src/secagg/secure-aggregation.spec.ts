/**
 * secure-aggregator's SecAgg+ sessions over HTTP with client-SDK devices (in-memory store,
 * embedded bus): the released sum is exactly the sum of the devices that sent masked inputs, with
 * dropouts at every stage; bad messages get 4xx problem+json and leave the session unharmed; too
 * few survivors release nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import { CLIENT_ID_HEADER, type RoundId } from '@cohort/contracts';
import { SecAggClient, createNobleCryptoSuite, decodeState, encodeState, type SecAggParams, type ShareKeysRequest } from '@cohort/secagg';
import { MemoryKeyValueStore } from '@cohort/state';
import {
  DEVICE_KEY, exactUpdate, openRound, outcomeOf, participate, readSum, registerDevices, startAggregator,
  type Aggregator, type Device,
} from './aggregator-harness.testing';

const DIMENSION = 24;
let aggregator: Aggregator | undefined;
afterEach(async () => {
  await aggregator?.close();
  aggregator = undefined;
});

/** These rounds lose up to half their devices on purpose: size the graph for δ = 0.5. */
async function setUp(devices: number) {
  const bus = new EmbeddedEventBus();
  const blobs = new MemoryBlobStore();
  aggregator = await startAggregator({ store: new MemoryKeyValueStore(), bus, blobs, options: { dropoutFraction: 0.5, corruptFraction: 0 } });
  return { bus, blobs, url: aggregator.url, devices: await registerDevices(bus, devices) };
}

function expectedSum(updates: readonly Float32Array[]): Float32Array {
  const sum = new Float64Array(DIMENSION);
  for (const u of updates) for (let i = 0; i < DIMENSION; i++) sum[i] += u[i]!;
  return Float32Array.from(sum);
}

describe('SecAgg+ sessions on secure-aggregator', () => {
  it('releases exactly the sum of the devices that sent masked inputs, with dropouts at every stage', async () => {
    // 12 devices, 5 of them lost: within δ = 0.5, so the graph keeps ≥ t share holders for everyone.
    const { bus, blobs, url, devices } = await setUp(12);
    const { payload, task } = await openRound(bus, devices.map((d) => d.clientId), { dimension: DIMENSION, minSurvivors: 3 });
    const outcome = await outcomeOf(bus, payload.roundId, 'test.exact');
    const updates = devices.map((_, i) => exactUpdate(DIMENSION, i + 1));
    // 0: never advertises; 1: gone before ShareKeys; 2: before MaskedInput; 3: after its masked input (still counted); 4: before Unmask.
    const drops = ['AdvertiseKeys', 'ShareKeys', 'MaskedInput', 'ConsistencyCheck', 'Unmask'] as const;
    const results = await Promise.all(devices.map((d, i) => participate(url, d, task, updates[i]!, drops[i])));
    const result = await outcome();
    if (!('ready' in result)) throw new Error(`aborted: ${result.aborted.reason}`);
    expect(results.map((r) => r.outcome)).toEqual([...Array<string>(5).fill('dropped'), ...Array<string>(7).fill('contributed')]);
    // U3 = the devices whose masked input arrived: 3, 4 (dropped later) and 5–11.
    expect(result.ready).toMatchObject({ contributors: 9, aggregation: 'secagg-plus', dimension: DIMENSION, noiseStddev: 0 });
    expect(await readSum(blobs, result.ready)).toEqual(expectedSum(updates.slice(3)));
  }, 30_000);

  it('refuses bad messages with 4xx problem+json and the session goes on', async () => {
    const { bus, blobs, url, devices } = await setUp(6);
    // `silent` never answers: AdvertiseKeys stays open until its deadline, so the replay below
    // meets the same stage (with every device answered, the stage would close at once).
    const [attacker, , ...honest] = devices as [Device, Device, ...Device[]];
    const { payload, task } = await openRound(bus, devices.map((d) => d.clientId), { dimension: DIMENSION, minSurvivors: 3 });
    const roundId = payload.roundId;
    const outcome = await outcomeOf(bus, roundId, 'test.bad');
    const updates = honest.map((_, i) => exactUpdate(DIMENSION, i + 11));
    const session = `${url}/v1/rounds/${roundId}/secagg`;
    const send = (route: string, body: string | Uint8Array, clientId: string = attacker.clientId) =>
      fetch(`${session}/${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEVICE_KEY}`, [CLIENT_ID_HEADER]: clientId, 'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream' },
        body: typeof body === 'string' ? body : body.slice().buffer,
      });
    const expectProblem = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { code: string }).code).toBe(code);
    };
    const view = async (after?: string) => {
      const response = await fetch(`${session}${after ? `?after=${after}` : ''}`, { headers: { authorization: `Bearer ${DEVICE_KEY}`, [CLIENT_ID_HEADER]: attacker.clientId } });
      return decodeState<{ stage: string; params: SecAggParams; request: unknown }>(await response.text());
    };

    // The honest devices run the whole protocol meanwhile; every stage waits for the attacker's answer.
    const honestRuns = Promise.all(honest.map((d, i) => participate(url, d, task, updates[i]!)));

    // A device that is not in the cohort.
    const stranger = (await registerDevices(bus, 1, 'stranger'))[0]!;
    const strangerView = await fetch(session, { headers: { authorization: `Bearer ${DEVICE_KEY}`, [CLIENT_ID_HEADER]: stranger.clientId } });
    await expectProblem(strangerView, 403, 'not-in-session');

    const { params } = await view();
    const suite = createNobleCryptoSuite();
    const client = SecAggClient.create({ params, roundId, clientId: attacker.clientId, identitySecretKey: attacker.identity.secretKey, suite });
    const advert = client.advertiseKeys();
    // Unsigned, and signed by another key.
    await expectProblem(await send('advertise-keys', encodeState({ ...advert, signature: new Uint8Array(0) })), 400, 'BAD_SIGNATURE');
    const forged = suite.ed25519Sign(suite.randomBytes(32), new Uint8Array(64));
    await expectProblem(await send('advertise-keys', encodeState({ ...advert, signature: forged })), 400, 'BAD_SIGNATURE');
    // Another device's name in the message, a message for another round, a stage posted early.
    await expectProblem(await send('advertise-keys', encodeState(advert), honest[0]!.clientId), 400, 'client-id-mismatch');
    await expectProblem(await send('advertise-keys', encodeState({ ...advert, roundId: 'r-other' })), 400, 'WRONG_ROUND');
    await expectProblem(await send('share-keys', encodeState({ stage: 'ShareKeys', roundId, clientId: attacker.clientId, shares: [] })), 409, 'OUT_OF_ORDER');
    await expectProblem(await send('advertise-keys', '{"stage": 5'), 400, 'malformed-json');
    // The real advertisement, then its replay.
    expect((await send('advertise-keys', encodeState(advert))).status).toBe(202);
    await expectProblem(await send('advertise-keys', encodeState(advert)), 409, 'DUPLICATE_MESSAGE');

    let next = await view('AdvertiseKeys');
    expect(next.stage).toBe('ShareKeys');
    expect((await send('share-keys', encodeState(await client.shareKeys(next.request as ShareKeysRequest)))).status).toBe(202);
    next = await view('ShareKeys');
    expect(next.stage).toBe('MaskedInput');
    // A masked input of the wrong length, one that is not whole words, and a late ShareKeys replay.
    await expectProblem(await send('masked-input', new Uint8Array(4 * (DIMENSION - 1))), 400, 'WRONG_VECTOR_LENGTH');
    await expectProblem(await send('masked-input', new Uint8Array(7)), 400, 'not-octet-stream');
    await expectProblem(await send('share-keys', encodeState({ stage: 'ShareKeys', roundId, clientId: attacker.clientId, shares: [] })), 409, 'OUT_OF_ORDER');
    // The attacker now goes silent: a dropout after ShareKeys, handled by the protocol.

    expect((await honestRuns).map((r) => r.outcome)).toEqual(['contributed', 'contributed', 'contributed', 'contributed']);
    const result = await outcome();
    if (!('ready' in result)) throw new Error(`aborted: ${result.aborted.reason}`);
    expect(result.ready.contributors).toBe(4);
    expect(await readSum(blobs, result.ready)).toEqual(expectedSum(updates));
  }, 30_000);

  it('aborts and releases nothing when fewer than t devices are left', async () => {
    const { bus, url, devices } = await setUp(4);
    const { payload, task } = await openRound(bus, devices.map((d) => d.clientId), { dimension: DIMENSION, minSurvivors: 1 });
    const outcome = await outcomeOf(bus, payload.roundId, 'test.abort');
    const results = await Promise.all(devices.map((d, i) => participate(url, d, task, exactUpdate(DIMENSION, i), i === 0 ? undefined : 'ShareKeys')));
    expect(results[0]).toMatchObject({ outcome: 'aborted' });
    const result = await outcome();
    expect('aborted' in result && result.aborted.roundId).toBe(payload.roundId as RoundId);
    if ('aborted' in result) expect(result.aborted.reason).toMatch(/INSUFFICIENT_SURVIVORS|need t/);
  }, 30_000);
});
