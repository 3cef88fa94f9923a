/**
 * One SecAgg+ round on secure-aggregator (real Nest app, in-memory store, embedded bus) in which
 * honest client-SDK devices share the cohort with devices that send a masked input of the wrong
 * size, an update with NaN, replays (an earlier round's message, duplicates of this round's) and
 * unsigned or wrongly signed messages, some of them in an honest device's name. Each bad message
 * gets its 4xx problem+json code, the round still commits with the honest devices only, and the
 * released aggregate is exactly their sum plus the (injected, deterministic) DP noise.
 *
 * Out-of-range words cannot be refused here: the service's modulus is 2^32, so every word of a
 * masked input — a NaN's bit pattern included — is a valid masked value (docs/secagg.md, "Input
 * validity"); the library refuses words ≥ 2^b for b < 32 (protocol-rejections.spec.ts). A NaN is
 * refused by the SDK before masking.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import { CLIENT_ID_HEADER, SECAGG_SIGNATURE_HEADER } from '@cohort/contracts';
import {
  SecAggClient, SecAggErrorCode, bytesOf, createNobleCryptoSuite, decodeState, encodeState, maskedInputTranscript, quantize, toBase64,
  type ConsistencyCheckRequest, type MaskedInputRequest, type SecAggParams, type ShareKeysRequest, type UnmaskRequest,
} from '@cohort/secagg';
import { MemoryKeyValueStore } from '@cohort/state';
import {
  DEVICE_KEY, exactUpdate, openRound, outcomeOf, participate, readSum, registerDevices, startAggregator,
  type Aggregator, type Device,
} from './aggregator-harness.testing';
import type { NoiseSource } from './secagg.options';

const DIMENSION = 24;
/** z·C = 0.5 · 1: one group, so the group adds N(0, 0.5²) — here the fixed vector NOISE. */
const NOISE_STDDEV = 0.5;
/** What the injected source adds: 0.5 · ((i mod 5) − 2)/8, multiples of 1/16, exact in float32. */
const NOISE = Float64Array.from({ length: DIMENSION }, (_, i) => (NOISE_STDDEV * ((i % 5) - 2)) / 8);

let aggregator: Aggregator | undefined;
afterEach(async () => {
  await aggregator?.close();
  aggregator = undefined;
});

function fixedNoise(): NoiseSource & { readonly stddevs: number[] } {
  const stddevs: number[] = [];
  return {
    stddevs,
    addNoise(values, stddev) {
      stddevs.push(stddev);
      for (let i = 0; i < values.length; i++) values[i] += (stddev * ((i % 5) - 2)) / 8;
    },
  };
}

describe('a SecAgg+ round with malicious devices', () => {
  it('refuses every bad message and releases exactly the honest devices\' sum (plus the noise)', async () => {
    const bus = new EmbeddedEventBus();
    const blobs = new MemoryBlobStore();
    const noise = fixedNoise();
    aggregator = await startAggregator({ store: new MemoryKeyValueStore(), bus, blobs, options: { dropoutFraction: 0.5, corruptFraction: 0, noise } });
    const url = aggregator.url;
    const devices = await registerDevices(bus, 9);
    // honest: five SDK devices and `victim`, driven here so its messages can be replayed and forged;
    // wrongSize sends masked inputs of the wrong length, nan trains to NaN, forger only signs badly.
    const [victim, wrongSize, nan, forger, ...sdkHonest] = devices as [Device, Device, Device, Device, ...Device[]];
    const { payload, task } = await openRound(bus, devices.map((d) => d.clientId), { dimension: DIMENSION, noiseMultiplier: NOISE_STDDEV, minSurvivors: 3 });
    const roundId = payload.roundId;
    const outcome = await outcomeOf(bus, roundId, 'test.malicious');
    const session = `${url}/v1/rounds/${roundId}/secagg`;
    const suite = createNobleCryptoSuite();

    const send = (route: string, as: Device, body: string | Uint8Array, signature?: Uint8Array) =>
      fetch(`${session}/${route}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${DEVICE_KEY}`,
          [CLIENT_ID_HEADER]: as.clientId,
          'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream',
          ...(signature === undefined ? {} : { [SECAGG_SIGNATURE_HEADER]: toBase64(signature) }),
        },
        body: typeof body === 'string' ? body : body.slice().buffer,
      });
    const expectProblem = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { code: string }).code).toBe(code);
    };
    /** A replay of the stage's last answer races the stage's close: refused as a duplicate, or as late. */
    const expectReplayRefused = async (response: Response) => {
      expect([409, 410]).toContain(response.status);
      expect([SecAggErrorCode.Duplicate, SecAggErrorCode.OutOfOrder, 'session-closed']).toContain(((await response.json()) as { code: string }).code);
    };
    const expectAccepted = async (response: Response) => expect(response.status, await response.clone().text()).toBe(202);
    const view = async <R>(as: Device, after?: string) => {
      for (;;) {
        const response = await fetch(`${session}${after ? `?after=${after}` : ''}`, { headers: { authorization: `Bearer ${DEVICE_KEY}`, [CLIENT_ID_HEADER]: as.clientId } });
        if (response.status === 404) {
          await new Promise((r) => setTimeout(r, 20)); // the aggregator has not consumed RoundOpened yet
          continue;
        }
        const state = decodeState<{ stage: string; params: SecAggParams; request: R }>(await response.text());
        if (state.stage !== after) return state;
      }
    };
    const signedInput = (as: Device, words: Uint32Array, secretKey = as.identity.secretKey, round: string = roundId) =>
      suite.ed25519Sign(secretKey, maskedInputTranscript(round, as.clientId, words));

    const { params } = await view(victim);
    const client = (d: Device, round: string = roundId) => SecAggClient.create({ params, roundId: round, clientId: d.clientId, identitySecretKey: d.identity.secretKey, suite });

    // AdvertiseKeys, before any honest device has advertised.
    // (4) forger: unsigned, and signed with a key that is not its registered one.
    const forgerAdvert = client(forger).advertiseKeys();
    await expectProblem(await send('advertise-keys', forger, encodeState({ ...forgerAdvert, signature: new Uint8Array(0) })), 400, SecAggErrorCode.BadSignature);
    await expectProblem(await send('advertise-keys', forger, encodeState({ ...forgerAdvert, signature: suite.ed25519Sign(suite.randomBytes(32), new Uint8Array(64)) })), 400, SecAggErrorCode.BadSignature);
    // (3) the victim's advertisement from an earlier round, replayed in its name: as it was, and relabelled with this round.
    const earlier = client(victim, 'r-earlier').advertiseKeys();
    await expectProblem(await send('advertise-keys', victim, encodeState(earlier)), 400, SecAggErrorCode.WrongRound);
    await expectProblem(await send('advertise-keys', victim, encodeState({ ...earlier, roundId })), 400, SecAggErrorCode.BadSignature);

    // The honest SDK devices run the whole protocol meanwhile; nan's update is refused by its own SDK (2).
    const honestUpdates = sdkHonest.map((_, i) => exactUpdate(DIMENSION, i + 1));
    const honestRuns = Promise.all(sdkHonest.map((d, i) => participate(url, d, task, honestUpdates[i]!)));
    const nanUpdate = exactUpdate(DIMENSION, 99);
    nanUpdate[5] = Number.NaN;
    const nanRun = participate(url, nan, task, nanUpdate).then(() => undefined, (error: unknown) => error);

    const victimClient = client(victim);
    const victimAdvert = victimClient.advertiseKeys();
    await expectAccepted(await send('advertise-keys', victim, encodeState(victimAdvert)));
    await expectProblem(await send('advertise-keys', victim, encodeState(victimAdvert)), 409, SecAggErrorCode.Duplicate);
    const wrongSizeClient = client(wrongSize);
    await expectAccepted(await send('advertise-keys', wrongSize, encodeState(wrongSizeClient.advertiseKeys())));

    // ShareKeys (opens at the AdvertiseKeys deadline: forger never advertised).
    const shareKeys = await view<ShareKeysRequest>(victim, 'AdvertiseKeys');
    expect(shareKeys.stage).toBe('ShareKeys');
    const victimShares = encodeState(await victimClient.shareKeys(shareKeys.request));
    await expectAccepted(await send('share-keys', victim, victimShares));
    await expectProblem(await send('share-keys', victim, victimShares), 409, SecAggErrorCode.Duplicate);
    const wrongSizeShares = await view<ShareKeysRequest>(wrongSize, 'AdvertiseKeys');
    await expectAccepted(await send('share-keys', wrongSize, encodeState(await wrongSizeClient.shareKeys(wrongSizeShares.request))));

    // MaskedInput.
    const maskedInput = await view<MaskedInputRequest>(victim, 'ShareKeys');
    expect(maskedInput.stage).toBe('MaskedInput');
    // (1) wrongSize: one word short, one word long, not whole words; then it goes silent (a dropout after ShareKeys).
    for (const length of [DIMENSION - 1, DIMENSION + 1]) {
      const words = new Uint32Array(length).fill(7);
      await expectProblem(await send('masked-input', wrongSize, bytesOf(words), signedInput(wrongSize, words)), 400, SecAggErrorCode.WrongVectorLength);
    }
    await expectProblem(await send('masked-input', wrongSize, new Uint8Array(4 * DIMENSION + 3)), 400, 'not-octet-stream');
    // (4) a masked input in the victim's name: unsigned, signed by another device, signed by the victim for an earlier round (3).
    const planted = suite.randomBytes(4 * DIMENSION);
    const plantedWords = new Uint32Array(planted.slice().buffer);
    await expectProblem(await send('masked-input', victim, planted), 400, SecAggErrorCode.BadSignature);
    await expectProblem(await send('masked-input', victim, planted, signedInput(victim, plantedWords, wrongSize.identity.secretKey)), 400, SecAggErrorCode.BadSignature);
    await expectProblem(await send('masked-input', victim, planted, signedInput(victim, plantedWords, victim.identity.secretKey, 'r-earlier')), 400, SecAggErrorCode.BadSignature);
    // The victim's own masked input, then its replay (3).
    const victimUpdate = exactUpdate(DIMENSION, 42);
    const masked = victimClient.maskInput(maskedInput.request, quantize(victimUpdate, params, () => 0.5)).maskedInput;
    await expectAccepted(await send('masked-input', victim, bytesOf(masked), signedInput(victim, masked)));
    await expectProblem(await send('masked-input', victim, bytesOf(masked), signedInput(victim, masked)), 409, SecAggErrorCode.Duplicate);

    // ConsistencyCheck (at the MaskedInput deadline: wrongSize and nan never sent theirs).
    const consistency = await view<ConsistencyCheckRequest>(victim, 'MaskedInput');
    expect(consistency.stage).toBe('ConsistencyCheck');
    const victimSignature = victimClient.signSurvivors(consistency.request);
    await expectProblem(await send('consistency-check', victim, encodeState({ ...victimSignature, signature: suite.ed25519Sign(wrongSize.identity.secretKey, new Uint8Array(8)) })), 400, SecAggErrorCode.BadSignature);
    await expectAccepted(await send('consistency-check', victim, encodeState(victimSignature)));
    await expectReplayRefused(await send('consistency-check', victim, encodeState(victimSignature)));

    // Unmask.
    const unmask = await view<UnmaskRequest>(victim, 'ConsistencyCheck');
    expect(unmask.stage).toBe('Unmask');
    const victimReveal = encodeState(victimClient.unmask(unmask.request));
    await expectAccepted(await send('unmask', victim, victimReveal));
    await expectReplayRefused(await send('unmask', victim, victimReveal));

    expect((await honestRuns).map((r) => r.outcome)).toEqual(sdkHonest.map(() => 'contributed'));
    expect(await nanRun).toMatchObject({ name: 'SecAggError', code: SecAggErrorCode.InvalidParameter });
    const result = await outcome();
    if (!('ready' in result)) throw new Error(`aborted: ${result.aborted.reason}`);
    expect(result.ready).toMatchObject({ contributors: sdkHonest.length + 1, noiseStddev: NOISE_STDDEV });
    expect(noise.stddevs).toEqual([NOISE_STDDEV]);
    const expected = new Float64Array(DIMENSION);
    for (const u of [...honestUpdates, victimUpdate]) for (let i = 0; i < DIMENSION; i++) expected[i] += u[i]!;
    for (let i = 0; i < DIMENSION; i++) expected[i] += NOISE[i]!;
    expect(await readSum(blobs, result.ready)).toEqual(Float32Array.from(expected));
  }, 60_000);
});
