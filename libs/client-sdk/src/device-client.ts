/**
 * What a device may do, over HTTPS only: enrol with its identity key, report what changed in its
 * capability profile, give or withdraw training consent, check in, fetch the model it must train
 * (manifest, parameters and content, each checked against the length and SHA-256 the manifest
 * names), report its held-out evaluation. Whatever the app passes is checked against the wire
 * schema before anything is sent (DeviceInputError); the services' refusals arrive as
 * DeviceRequestError with their problem details. No Kafka, no shared store, no Node built-ins —
 * the same code runs on a phone's JavaScript engine, in a browser and in the simulator. Secure
 * aggregation is `SecureAggregationParticipant` (secagg-participant.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import {
  CLIENT_ID_HEADER, DeviceView, ModelEvaluation, ProblemDetails, RecordConsentRequest, RegisterDeviceResponse, TrainingTask,
  TwoTowerModelManifest, UpdateCapabilitiesRequest,
  type ClientId, type ModelDownload, type ModelEvaluationReport, type RegisterDeviceRequest,
} from '@cohort/contracts';
import { OnDeviceModel } from './training/on-device-model';

/** Where each service answers; in standalone mode they are all the same origin. */
export interface ServiceUrls {
  readonly clientRegistry: string;
  readonly roundScheduler: string;
  readonly secureAggregator: string;
  readonly modelRegistry: string;
}

export class DeviceRequestError extends Error {
  /** The RFC 9457 problem details of the answer (its `code` says why), or null if the body is not one. */
  readonly problem: ProblemDetails | null;

  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
  ) {
    super(`${url} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'DeviceRequestError';
    this.problem = problemOf(body);
  }
}

function problemOf(body: string): ProblemDetails | null {
  try {
    const parsed = ProblemDetails.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** What the app asked the SDK to send does not match the wire schema: nothing was sent. */
export class DeviceInputError extends Error {
  constructor(
    /** The argument that is invalid, as the app passed it. */
    readonly argument: string,
    /** One entry per problem: the field's path in the argument and what is wrong with it. */
    readonly issues: readonly { readonly field: string; readonly message: string }[],
  ) {
    super(`${argument} is invalid, nothing was sent: ${issues.map((issue) => `${issue.field || '(root)'} ${issue.message}`).join('; ')}`);
    this.name = 'DeviceInputError';
  }
}

/** `value` decoded by `schema`, or DeviceInputError naming `argument`. */
function validInput<T extends z.ZodType>(schema: T, value: unknown, argument: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new DeviceInputError(argument, parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })));
}

export interface RequestInit {
  readonly method: string;
  readonly json?: unknown;
  readonly body?: ArrayBuffer | string;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** One authenticated request; non-2xx answers throw DeviceRequestError with the problem body. */
export async function deviceRequest(apiKey: string, base: string, path: string, init: RequestInit, defaultTimeoutMs = 30_000): Promise<Response> {
  const url = new URL(path, base).toString();
  const response = await fetch(url, {
    method: init.method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
    signal: AbortSignal.timeout(init.timeoutMs ?? defaultTimeoutMs),
  });
  if (!response.ok) throw new DeviceRequestError(response.status, url, await response.text());
  return response;
}

/** A downloaded model does not match its manifest: nothing is trained on it. */
export class DeviceModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceModelError';
  }
}

export class DeviceClient {
  private readonly models = new Map<string, Promise<OnDeviceModel>>();

  constructor(
    private readonly urls: ServiceUrls,
    private readonly apiKey: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * Enrols the device; `request.identityKey` is the public half of `createDeviceIdentity()`, and
   * `request.attestationToken` the token the platform's attestation service issued for that key
   * (client-registry answers 401 without a valid one, 429 when this device enrols too often).
   */
  async register(request: RegisterDeviceRequest): Promise<ClientId> {
    const response = await this.call(this.urls.clientRegistry, '/v1/devices', { method: 'POST', json: request });
    return RegisterDeviceResponse.parse(await response.json()).clientId;
  }

  /**
   * Reports what changed in the device's capability profile (say, it is now charging, on wifi);
   * the fields left out keep their value. Schedulers filter the eligibility pool on the result.
   */
  async reportCapabilities(clientId: ClientId, profile: UpdateCapabilitiesRequest): Promise<DeviceView> {
    const report = validInput(UpdateCapabilitiesRequest, profile, 'profile');
    const path = `/v1/devices/${encodeURIComponent(clientId)}/capabilities`;
    const response = await this.call(this.urls.clientRegistry, path, { method: 'PATCH', json: report, headers: { [CLIENT_ID_HEADER]: clientId } });
    return DeviceView.parse(await response.json());
  }

  /**
   * Gives (`true`) or withdraws (`false`) the user's consent to train on this device. A
   * withdrawal takes the device out of every round sampled after client-registry answers.
   */
  async setTrainingConsent(clientId: ClientId, granted: boolean): Promise<DeviceView> {
    const decision = validInput(RecordConsentRequest, { trainingConsent: granted }, 'granted');
    const path = `/v1/devices/${encodeURIComponent(clientId)}/consent`;
    const response = await this.call(this.urls.clientRegistry, path, { method: 'POST', json: decision, headers: { [CLIENT_ID_HEADER]: clientId } });
    return DeviceView.parse(await response.json());
  }

  async checkIn(clientId: ClientId): Promise<TrainingTask | null> {
    const response = await this.call(this.urls.roundScheduler, '/v1/rounds/check-in', { method: 'POST', json: { clientId } });
    return response.status === 204 ? null : TrainingTask.parse(await response.json());
  }

  /**
   * The model version `task` trains, ready to train and rank with; the round's learning rate
   * replaces the manifest's. Versions already downloaded are reused.
   */
  async fetchModel(task: Pick<TrainingTask, 'modelPath' | 'localLearningRate'>): Promise<OnDeviceModel> {
    let model = this.models.get(task.modelPath);
    if (model === undefined) {
      model = this.downloadModel(task.modelPath);
      this.models.set(task.modelPath, model);
      model.catch(() => this.models.delete(task.modelPath));
      // Two versions at most: the one being trained and the next.
      if (this.models.size > 2) this.models.delete(this.models.keys().next().value!);
    }
    const downloaded = await model;
    return downloaded.withParams(downloaded.modelVersion, downloaded.params, { ...downloaded.training, learningRate: task.localLearningRate });
  }

  /** Adds this device's leave-last-order-out metrics to the version's federated evaluation. */
  async reportEvaluation(clientId: ClientId, modelVersion: string, report: ModelEvaluationReport): Promise<ModelEvaluation> {
    const path = `/v1/models/${encodeURIComponent(modelVersion)}/evaluations`;
    const response = await this.call(this.urls.modelRegistry, path, { method: 'POST', json: report, headers: { [CLIENT_ID_HEADER]: clientId } });
    return ModelEvaluation.parse(await response.json());
  }

  private async downloadModel(modelPath: string): Promise<OnDeviceModel> {
    const manifest = TwoTowerModelManifest.parse(await (await this.call(this.urls.modelRegistry, modelPath, { method: 'GET' })).json());
    const params = await this.download(manifest.parameters);
    if (params.length !== manifest.dimension) throw new DeviceModelError(`${manifest.modelVersion}: ${params.length} parameters, the manifest says ${manifest.dimension}`);
    const content = manifest.content === null ? undefined : await this.download(manifest.content);
    return new OnDeviceModel({
      modelVersion: manifest.modelVersion, config: manifest.config, training: manifest.training, itemIds: manifest.itemIds, params,
      ...(content === undefined ? {} : { content }),
    });
  }

  private async download(file: ModelDownload): Promise<Float32Array> {
    const bytes = new Uint8Array(await (await this.call(this.urls.modelRegistry, file.path, { method: 'GET' })).arrayBuffer());
    if (bytes.length !== file.bytes || bytesToHex(sha256(bytes)) !== file.sha256) {
      throw new DeviceModelError(`${file.path}: got ${bytes.length} bytes that do not match the manifest's length ${file.bytes} and SHA-256`);
    }
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  }

  private call(base: string, path: string, init: RequestInit): Promise<Response> {
    return deviceRequest(this.apiKey, base, path, init, this.timeoutMs);
  }
}
