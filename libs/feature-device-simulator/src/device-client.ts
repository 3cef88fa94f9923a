/**
 * What a device may do, over HTTPS only: enrol, check in, fetch the model it must train, send
 * its update. No Kafka, no shared store — the simulator uses nothing a real phone could not.
 * (The SecAgg+ client replaces `upload` when secure aggregation lands in the client SDK.)
 */
import {
  CLIENT_ID_HEADER, PopularityModelArtifact, RegisterDeviceResponse, TrainingTask,
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

export class DeviceClient {
  constructor(
    private readonly urls: ServiceUrls,
    private readonly apiKey: string,
    private readonly timeoutMs = 30_000,
  ) {}

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

  async upload(task: TrainingTask, clientId: ClientId, update: Float32Array): Promise<void> {
    await this.call(this.urls.secureAggregator, task.uploadPath, {
      method: 'POST',
      body: update.slice().buffer,
      headers: { 'content-type': 'application/octet-stream', [CLIENT_ID_HEADER]: clientId },
    });
  }

  private async call(base: string, path: string, init: { method: string; json?: unknown; body?: ArrayBuffer; headers?: Record<string, string> }): Promise<Response> {
    const url = new URL(path, base).toString();
    const response = await fetch(url, {
      method: init.method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new DeviceRequestError(response.status, url, await response.text());
    return response;
  }
}
