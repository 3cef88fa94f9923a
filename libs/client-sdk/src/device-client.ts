/**
 * What a device may do, over HTTPS only: enrol with its identity key, check in, fetch the model it
 * must train. No Kafka, no shared store, no Node built-ins — the same code runs on a phone's
 * JavaScript engine, in a browser and in the simulator. Secure aggregation is
 * `SecureAggregationParticipant` (secagg-participant.ts).
 */
import {
  PopularityModelArtifact, RegisterDeviceResponse, TrainingTask,
  type ClientId, type RegisterDeviceRequest,
} from '@cohort/contracts';

/** Where each service answers; in standalone mode they are all the same origin. */
export interface ServiceUrls {
  readonly clientRegistry: string;
  readonly roundScheduler: string;
  readonly secureAggregator: string;
  readonly modelRegistry: string;
}

export class DeviceRequestError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
  ) {
    super(`${url} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'DeviceRequestError';
  }
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

export class DeviceClient {
  constructor(
    private readonly urls: ServiceUrls,
    private readonly apiKey: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Enrols the device; `request.identityKey` is the public half of `createDeviceIdentity()`. */
  async register(request: RegisterDeviceRequest): Promise<ClientId> {
    const response = await this.call(this.urls.clientRegistry, '/v1/devices', { method: 'POST', json: request });
    return RegisterDeviceResponse.parse(await response.json()).clientId;
  }

  async checkIn(clientId: ClientId): Promise<TrainingTask | null> {
    const response = await this.call(this.urls.roundScheduler, '/v1/rounds/check-in', { method: 'POST', json: { clientId } });
    return response.status === 204 ? null : TrainingTask.parse(await response.json());
  }

  async fetchModel(task: TrainingTask): Promise<PopularityModelArtifact> {
    const response = await this.call(this.urls.modelRegistry, task.modelPath, { method: 'GET' });
    return PopularityModelArtifact.parse(await response.json());
  }

  private call(base: string, path: string, init: RequestInit): Promise<Response> {
    return deviceRequest(this.apiKey, base, path, init, this.timeoutMs);
  }
}
