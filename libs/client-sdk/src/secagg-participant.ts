/**
 * The device's half of SecAgg+ over HTTPS (docs/secagg.md, "Wire protocol"): advertise signed
 * keys, share the secrets with the neighbours, send the masked, quantized update as octet-stream,
 * sign the survivor set, reveal the shares the server asks for — following the session's stages by
 * long-polling its view. The update leaves the device only masked.
 *
 * Invariants:
 * - the device's state machine is `@cohort/secagg`'s `SecAggClient`: it refuses out-of-order or
 *   replayed server requests and never reveals both secrets of a partner;
 * - the masked input goes with the identity key's signature over it (`SECAGG_SIGNATURE_HEADER`),
 *   so the aggregator takes no upload in this device's name but its own;
 * - transport failures (connection refused while a replica restarts, timeouts, 5xx) are retried
 *   until the stage deadline; a 409 DUPLICATE_MESSAGE after a retry means the first try landed;
 * - no Node built-ins: the noble crypto suite by default, so the same code runs in browsers.
 */
import {
  CLIENT_ID_HEADER, SECAGG_SIGNATURE_HEADER, SECAGG_STAGE_ROUTES, SecAggSessionSummary,
  type ClientId, type SecAggProtocolStage, type SecAggSessionStage, type TrainingTask,
} from '@cohort/contracts';
import {
  SecAggClient, bytesOf, createNobleCryptoSuite, decodeState, encodeState, quantize, toBase64,
  type ConsistencyCheckRequest, type CryptoSuite, type MaskedInputRequest, type SecAggParams, type ServerRequest,
  type ShareKeysRequest, type UniformSource, type UnmaskRequest,
} from '@cohort/secagg';
import { DeviceRequestError, deviceRequest } from './device-client';

export interface ParticipantOptions {
  /** secure-aggregator's base URL (the session view names the replica of the device's group). */
  readonly aggregatorUrl: string;
  readonly apiKey: string;
  readonly clientId: ClientId;
  /** The Ed25519 secret seed whose public key was registered at enrolment. */
  readonly identitySecretKey: Uint8Array;
  /** Defaults to the portable noble suite; Node callers may pass `createNodeCryptoSuite(crypto)`. */
  readonly suite?: CryptoSuite;
  /** Simulation only: the device vanishes before sending this stage's message. */
  readonly dropBefore?: SecAggProtocolStage;
  /** How long to wait for the session to open after check-in (the aggregator consumes RoundOpened). */
  readonly openTimeoutMs?: number;
}

export type ParticipationResult =
  | { readonly outcome: 'contributed'; readonly group: number }
  | { readonly outcome: 'dropped'; readonly stage: SecAggProtocolStage }
  | { readonly outcome: 'excluded'; readonly stage: SecAggSessionStage }
  | { readonly outcome: 'aborted'; readonly reason: string };

interface SessionView extends SecAggSessionSummary {
  readonly request: ServerRequest | null;
}

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 2_000;
/** Slack past a stage deadline before a device gives up on an unreachable aggregator. */
const DEADLINE_GRACE_MS = 30_000;
/** CSPRNG bytes fetched at once for stochastic rounding: 8 per coordinate, so 1024 coordinates a call. */
const RANDOM_CHUNK_BYTES = 8 * 1024;

export class SecureAggregationParticipant {
  private readonly suite: CryptoSuite;

  constructor(private readonly options: ParticipantOptions) {
    this.suite = options.suite ?? createNobleCryptoSuite();
  }

  /**
   * Takes part in the round of `task`. `update` is the clipped model delta, or a function that
   * trains and returns it (run once this device's keys are advertised, while keys are shared).
   */
  async contribute(task: TrainingTask, update: Float32Array | (() => Promise<Float32Array>)): Promise<ParticipationResult> {
    const sessionPath = task.uploadPath;
    let view = await this.openView(sessionPath);
    const endpoint = view.endpoint ?? this.options.aggregatorUrl;
    const client = SecAggClient.create({
      params: view.params as SecAggParams,
      roundId: task.roundId,
      clientId: this.options.clientId,
      identitySecretKey: this.options.identitySecretKey,
      suite: this.suite,
    });
    if (this.options.dropBefore === 'AdvertiseKeys') return { outcome: 'dropped', stage: 'AdvertiseKeys' };
    // Advertise first (cheap, and its stage closes soonest), then train while the keys are shared.
    await this.post(endpoint, sessionPath, 'AdvertiseKeys', encodeState(client.advertiseKeys()), view);
    const training = typeof update === 'function' ? update() : Promise.resolve(update);
    training.catch(() => undefined); // awaited at MaskedInput; a failure surfaces there

    for (let posted: SecAggSessionStage = 'AdvertiseKeys'; ; ) {
      view = await this.awaitStageAfter(endpoint, sessionPath, posted, view);
      if (view.stage === 'Aborted') return { outcome: 'aborted', reason: view.abortReason ?? 'the session aborted' };
      if (view.stage === 'Finished') return view.participating ? { outcome: 'contributed', group: view.group } : { outcome: 'excluded', stage: posted };
      if (!view.participating || view.request === null) return { outcome: 'excluded', stage: view.stage };
      const stage = view.stage;
      if (this.options.dropBefore === stage) return { outcome: 'dropped', stage };
      switch (stage) {
        case 'ShareKeys':
          await this.post(endpoint, sessionPath, stage, encodeState(await client.shareKeys(view.request as ShareKeysRequest)), view);
          break;
        case 'MaskedInput': {
          const params = view.params as SecAggParams;
          const quantized = quantize(await training, params, uniformSource(this.suite));
          const masked = client.maskInput(view.request as MaskedInputRequest, quantized);
          const bytes = bytesOf(masked.maskedInput);
          const signature = { [SECAGG_SIGNATURE_HEADER]: toBase64(client.signMaskedInput(masked)) };
          await this.post(endpoint, sessionPath, stage, bytes.slice().buffer, view, signature);
          break;
        }
        case 'ConsistencyCheck':
          await this.post(endpoint, sessionPath, stage, encodeState(client.signSurvivors(view.request as ConsistencyCheckRequest)), view);
          break;
        case 'Unmask':
          await this.post(endpoint, sessionPath, stage, encodeState(client.unmask(view.request as UnmaskRequest)), view);
          break;
      }
      posted = stage;
    }
  }

  /** The first view; 404 until the aggregator has opened the session for this round. */
  private async openView(sessionPath: string): Promise<SessionView> {
    const deadline = Date.now() + (this.options.openTimeoutMs ?? 30_000);
    return this.withRetries(deadline, async () => {
      try {
        return await this.view(this.options.aggregatorUrl, sessionPath);
      } catch (error) {
        if (error instanceof DeviceRequestError && error.status === 404 && Date.now() < deadline) throw new Retry(error);
        throw error;
      }
    });
  }

  private async awaitStageAfter(endpoint: string, sessionPath: string, after: SecAggSessionStage, last: SessionView): Promise<SessionView> {
    const deadline = Date.parse(last.stageDeadline) + DEADLINE_GRACE_MS;
    for (;;) {
      const view = await this.withRetries(deadline, () => this.view(endpoint, `${sessionPath}?after=${after}`));
      if (view.stage !== after) return view;
    }
  }

  private async view(base: string, path: string): Promise<SessionView> {
    const response = await deviceRequest(this.options.apiKey, base, path, { method: 'GET', headers: { [CLIENT_ID_HEADER]: this.options.clientId }, timeoutMs: 40_000 });
    const decoded = decodeState<Record<string, unknown>>(await response.text());
    return { ...SecAggSessionSummary.parse(decoded), request: (decoded.request ?? null) as ServerRequest | null };
  }

  private async post(endpoint: string, sessionPath: string, stage: SecAggProtocolStage, body: string | ArrayBuffer, view: SessionView, extraHeaders: Record<string, string> = {}): Promise<void> {
    const path = `${sessionPath}/${SECAGG_STAGE_ROUTES[stage]}`;
    const headers = { [CLIENT_ID_HEADER]: this.options.clientId, 'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream', ...extraHeaders };
    let attempt = 0;
    await this.withRetries(Date.parse(view.stageDeadline) + DEADLINE_GRACE_MS, async () => {
      attempt += 1;
      try {
        await deviceRequest(this.options.apiKey, endpoint, path, { method: 'POST', body, headers });
      } catch (error) {
        // A retry of a message whose first try landed (the answer was lost): it is in.
        if (attempt > 1 && error instanceof DeviceRequestError && error.status === 409 && error.body.includes('DUPLICATE_MESSAGE')) return;
        throw error;
      }
    });
  }

  /** Retries transport failures and 5xx (a replica restarting) with capped backoff until `deadline`. */
  private async withRetries<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const retryable = error instanceof Retry || isTransportFailure(error) || (error instanceof DeviceRequestError && error.status >= 500);
        if (!retryable || Date.now() >= deadline) throw error instanceof Retry ? error.cause : error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** n)));
      }
    }
  }
}

/**
 * Uniforms in [0, 1) from 53 CSPRNG bits each: stochastic rounding must not be predictable. Each
 * draw takes the next 8 bytes of a buffer refilled RANDOM_CHUNK_BYTES at a time (bytes 0–6 used).
 */
function uniformSource(suite: CryptoSuite): UniformSource {
  let bytes: Uint8Array = new Uint8Array(0);
  let next = 0;
  return () => {
    if (next + 8 > bytes.length) {
      bytes = suite.randomBytes(RANDOM_CHUNK_BYTES);
      next = 0;
    }
    const i = next;
    next += 8;
    const high = ((bytes[i]! << 13) | (bytes[i + 1]! << 5) | (bytes[i + 2]! >>> 3)) >>> 0; // 21 bits
    const low = ((bytes[i + 3]! << 24) | (bytes[i + 4]! << 16) | (bytes[i + 5]! << 8) | bytes[i + 6]!) >>> 0; // 32 bits
    return (high * 2 ** 32 + low) / 2 ** 53;
  };
}

/** fetch rejects with a TypeError when the connection fails, and a TimeoutError/AbortError on timeout. */
function isTransportFailure(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
}

class Retry extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}
