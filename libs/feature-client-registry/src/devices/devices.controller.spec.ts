/**
 * client-registry over HTTP, as a real Nest app with the API-key guard and the problem+json
 * filter on an embedded bus and an in-memory store with a fake clock: attested enrolment (201,
 * 401 for each bad token, 429 with Retry-After past the per-subject limit), the consent history
 * and its events, capability reports, "a device acts only on itself", and the client SDK's
 * `reportCapabilities` / `setTrainingConsent` against this app.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedEventBus } from '@cohort/bus';
import { createDeviceIdentity, DeviceClient, DeviceInputError, DeviceRequestError } from '@cohort/client-sdk';
import {
  CLIENT_ID_HEADER, ClientCapabilitiesUpdated, ClientConsentChanged, ClientId, ClientRegistered, DeviceView, RegisterDeviceRequest,
  type DeviceCapabilities, type EventDefinition, type UpdateCapabilitiesRequest,
} from '@cohort/contracts';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { MemoryKeyValueStore } from '@cohort/state';
import { LocalAttestationIssuer } from '../attestation/local-attestation.issuer';
import { ClientRegistryModule } from '../client-registry.module';

const DEVICE_KEY = 'device-key-0123456789abcdefghijklm';
const OPERATOR_KEY = 'operator-key-0123456789abcdefghijk';
const AUDIENCE = 'cohort-client-registry';
const WINDOW_MS = 60_000;
const CAPABILITIES: DeviceCapabilities = { accelerator: 'npu', memoryMb: 6144, batteryPercent: 70, network: 'cellular' };

describe('client-registry HTTP', () => {
  let now: number;
  let app: NestExpressApplication;
  let url: string;
  let bus: EmbeddedEventBus;
  let issuer: LocalAttestationIssuer;
  const events: Record<string, unknown[]> = {};

  beforeEach(async () => {
    now = Date.parse('2030-06-01T12:00:00Z');
    const clock = () => now;
    bus = new EmbeddedEventBus();
    const store = new MemoryKeyValueStore({ clock });
    issuer = new LocalAttestationIssuer({ issuer: 'attest.test', audience: AUDIENCE, clock });
    const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${DEVICE_KEY}=device,${OPERATOR_KEY}=operator`, LOG_LEVEL: 'silent' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CohortCommonModule.forRoot({ service: 'client-registry', config, logDestination: { write: () => undefined }, defaultMetrics: false }),
        CohortInfrastructureModule.forRoot(config, { blobStore: 'memory', factories: { createEventBus: () => bus, createKeyValueStore: () => store } }),
        ClientRegistryModule.forRoot({
          attestation: { issuers: [issuer.trustedIssuer()], audience: AUDIENCE, maxTokenAgeMs: 300_000, clockToleranceMs: 1_000 },
          enrolmentLimit: { maxPerSubject: 2, windowMs: WINDOW_MS },
          clock,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    for (const definition of [ClientRegistered, ClientConsentChanged, ClientCapabilitiesUpdated] as EventDefinition[]) {
      events[definition.type] = [];
      await bus.subscribe(definition, async ({ payload }) => void events[definition.type]!.push(payload), { group: `test.${definition.type}`, policy: 'retry-then-dlq' });
    }
  });

  afterEach(async () => {
    await app.close();
  });

  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, key = DEVICE_KEY) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const enrolment = async (options: { subject?: string; token?: string | null; identityKey?: string } = {}) => {
    const identityKey = options.identityKey ?? createDeviceIdentity().publicKeyBase64;
    const token = options.token === undefined ? await issuer.mint(identityKey, options.subject) : options.token;
    return { userId: 'user-1', capabilities: CAPABILITIES, trainingConsent: true, identityKey, ...(token === null ? {} : { attestationToken: token }) };
  };

  const enrol = async (options: { subject?: string } = {}) => {
    const response = await request('POST', '/v1/devices', await enrolment(options));
    expect(response.status).toBe(201);
    return ((await response.json()) as { clientId: string }).clientId;
  };

  const expectProblem = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { status: number; code: string; type: string; detail: string };
    expect({ status: problem.status, code: problem.code }).toEqual({ status, code });
    expect(problem.type).toBe(`urn:cohort:problem:${code}`);
    return problem;
  };

  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(predicate()).toBe(true);
  };

  describe('enrolment', () => {
    it('enrols a device with a valid attestation token and announces it', async () => {
      const body = await enrolment({ subject: 'hw-1' });
      const response = await request('POST', '/v1/devices', body);
      expect(response.status).toBe(201);
      const { clientId } = (await response.json()) as { clientId: string };
      await until(() => events.ClientRegistered!.length === 1);
      expect(events.ClientRegistered![0]).toEqual({
        clientId, userId: 'user-1', capabilities: CAPABILITIES, trainingConsent: true, identityKey: body.identityKey, registeredAt: new Date(now).toISOString(),
      });
      const view = DeviceView.parse(await (await request('GET', `/v1/devices/${clientId}`, undefined, {}, OPERATOR_KEY)).json());
      expect(view.attestation).toEqual({ issuer: 'attest.test', verifiedAt: new Date(now).toISOString() });
      expect(view.consentHistory).toEqual([{ trainingConsent: true, at: new Date(now).toISOString(), source: 'enrolment', sequence: 0 }]);
    });

    it('answers 401 problem+json, with the reason as code, for each bad token', async () => {
      const identityKey = createDeviceIdentity().publicKeyBase64;
      const stranger = new LocalAttestationIssuer({ issuer: 'attest.elsewhere', audience: AUDIENCE, clock: () => now });
      const impostor = new LocalAttestationIssuer({ issuer: 'attest.test', audience: AUDIENCE, clock: () => now });
      const otherAudience = new LocalAttestationIssuer({ issuer: 'attest.test', audience: 'elsewhere', signingKey: issuer.exportSigningKey(), clock: () => now });
      const cases: Array<[string, string | null]> = [
        ['attestation-missing', null],
        ['attestation-malformed', 'definitely.not.ajwt'],
        ['attestation-untrusted-issuer', await stranger.mint(identityKey)],
        ['attestation-bad-signature', await impostor.mint(identityKey)],
        ['attestation-wrong-audience', await otherAudience.mint(identityKey)],
        ['attestation-key-mismatch', await issuer.mint(createDeviceIdentity().publicKeyBase64)],
      ];
      for (const [code, token] of cases) {
        const response = await request('POST', '/v1/devices', await enrolment({ identityKey, token }));
        const problem = await expectProblem(response, 401, code);
        expect(problem.detail, code).not.toContain(token ?? '\u0000');
      }
      const expiring = await issuer.mint(identityKey);
      now += 6 * 60_000;
      await expectProblem(await request('POST', '/v1/devices', await enrolment({ identityKey, token: expiring })), 401, 'attestation-expired');
      await new Promise((r) => setTimeout(r, 30));
      expect(events.ClientRegistered).toEqual([]);
    });

    it('still answers invalid input with 400 before looking at the token', async () => {
      const body = { ...(await enrolment()), identityKey: 'not-a-key' };
      await expectProblem(await request('POST', '/v1/devices', body), 400, 'validation-failed');
    });

    it('limits enrolments per attested subject: 429 with Retry-After, other subjects unaffected, again after the window', async () => {
      await enrol({ subject: 'hw-busy' });
      now += 10_000;
      await enrol({ subject: 'hw-busy' });
      now += 5_000;
      const refused = await request('POST', '/v1/devices', await enrolment({ subject: 'hw-busy' }));
      const problem = await expectProblem(refused, 429, 'too-many-requests');
      expect(problem.detail).toMatch(/^enrolment-rate-limited: /);
      // the window opened with the first enrolment, 15 s ago: 45 s are left
      expect(refused.headers.get('retry-after')).toBe('45');
      await enrol({ subject: 'hw-other' });
      now += 45_000;
      await enrol({ subject: 'hw-busy' });
    });
  });

  describe('consent', () => {
    it('records each decision with its time and sequence, announces it, and shows the history', async () => {
      const clientId = await enrol();
      const self = { [CLIENT_ID_HEADER]: clientId };
      now += 60_000;
      const withdrawn = await request('POST', `/v1/devices/${clientId}/consent`, { trainingConsent: false }, self);
      expect(withdrawn.status).toBe(200);
      expect(DeviceView.parse(await withdrawn.json()).trainingConsent).toBe(false);
      now += 60_000;
      expect((await request('POST', `/v1/devices/${clientId}/consent`, { trainingConsent: true }, self)).status).toBe(200);

      const view = DeviceView.parse(await (await request('GET', `/v1/devices/${clientId}`, undefined, {}, OPERATOR_KEY)).json());
      const t0 = Date.parse('2030-06-01T12:00:00Z');
      expect(view.trainingConsent).toBe(true);
      expect(view.consentHistory).toEqual([
        { trainingConsent: true, at: new Date(t0).toISOString(), source: 'enrolment', sequence: 0 },
        { trainingConsent: false, at: new Date(t0 + 60_000).toISOString(), source: 'device', sequence: 1 },
        { trainingConsent: true, at: new Date(t0 + 120_000).toISOString(), source: 'device', sequence: 2 },
      ]);
      await until(() => events.ClientConsentChanged!.length === 2);
      expect(events.ClientConsentChanged).toEqual([
        { clientId, userId: 'user-1', trainingConsent: false, sequence: 1, changedAt: new Date(t0 + 60_000).toISOString() },
        { clientId, userId: 'user-1', trainingConsent: true, sequence: 2, changedAt: new Date(t0 + 120_000).toISOString() },
      ]);
    });

    it('lets only the device itself decide', async () => {
      const clientId = await enrol();
      const other = await enrol();
      const body = { trainingConsent: false };
      await expectProblem(await request('POST', `/v1/devices/${clientId}/consent`, body, { [CLIENT_ID_HEADER]: other }), 403, 'device-mismatch');
      await expectProblem(await request('POST', `/v1/devices/${clientId}/consent`, body), 400, 'validation-failed');
      await expectProblem(await request('POST', `/v1/devices/${clientId}/consent`, body, { [CLIENT_ID_HEADER]: clientId }, OPERATOR_KEY), 403, 'missing-role');
      await expectProblem(await request('POST', '/v1/devices/c-unknown/consent', body, { [CLIENT_ID_HEADER]: 'c-unknown' }), 404, 'device-not-found');
      await expectProblem(await request('POST', `/v1/devices/${clientId}/consent`, { trainingConsent: 'no' }, { [CLIENT_ID_HEADER]: clientId }), 400, 'validation-failed');
      await new Promise((r) => setTimeout(r, 30));
      expect(events.ClientConsentChanged).toEqual([]);
    });

    it('shows a device only its own record; operators see any', async () => {
      const clientId = await enrol();
      const other = await enrol();
      expect((await request('GET', `/v1/devices/${clientId}`, undefined, { [CLIENT_ID_HEADER]: clientId })).status).toBe(200);
      await expectProblem(await request('GET', `/v1/devices/${clientId}`, undefined, { [CLIENT_ID_HEADER]: other }), 403, 'device-mismatch');
      expect((await request('GET', `/v1/devices/${other}`, undefined, {}, OPERATOR_KEY)).status).toBe(200);
    });
  });

  describe('capabilities', () => {
    it('merges a report into the profile and announces the whole profile', async () => {
      const clientId = await enrol();
      const self = { [CLIENT_ID_HEADER]: clientId };
      now += 1_000;
      const response = await request('PATCH', `/v1/devices/${clientId}/capabilities`, { charging: true, network: 'wifi', unmeteredNetwork: true }, self);
      expect(response.status).toBe(200);
      const view = DeviceView.parse(await response.json());
      const expected = { ...CAPABILITIES, charging: true, network: 'wifi', unmeteredNetwork: true };
      expect(view.capabilities).toEqual(expected);
      expect(view.capabilitiesReportedAt).toBe(new Date(now).toISOString());
      await request('PATCH', `/v1/devices/${clientId}/capabilities`, { batteryPercent: 35 }, self);
      await until(() => events.ClientCapabilitiesUpdated!.length === 2);
      expect(events.ClientCapabilitiesUpdated).toEqual([
        { clientId, userId: 'user-1', capabilities: expected, sequence: 1, reportedAt: new Date(now).toISOString() },
        { clientId, userId: 'user-1', capabilities: { ...expected, batteryPercent: 35 }, sequence: 2, reportedAt: new Date(now).toISOString() },
      ]);
    });

    it('refuses an empty or unknown report, and reports for another device', async () => {
      const clientId = await enrol();
      const other = await enrol();
      await expectProblem(await request('PATCH', `/v1/devices/${clientId}/capabilities`, {}, { [CLIENT_ID_HEADER]: clientId }), 400, 'validation-failed');
      await expectProblem(await request('PATCH', `/v1/devices/${clientId}/capabilities`, { gpuCores: 8 }, { [CLIENT_ID_HEADER]: clientId }), 400, 'validation-failed');
      await expectProblem(await request('PATCH', `/v1/devices/${clientId}/capabilities`, { memoryMb: 0 }, { [CLIENT_ID_HEADER]: clientId }), 400, 'validation-failed');
      await expectProblem(await request('PATCH', `/v1/devices/${clientId}/capabilities`, { charging: true }, { [CLIENT_ID_HEADER]: other }), 403, 'device-mismatch');
    });
  });

  describe('through the client SDK', () => {
    const sdk = (key = DEVICE_KEY) => new DeviceClient({ clientRegistry: url, roundScheduler: url, secureAggregator: url, modelRegistry: url }, key);
    const enrolWithSdk = async () => sdk().register(RegisterDeviceRequest.parse(await enrolment()));
    const refusal = async (action: Promise<unknown>) => {
      const error = await action.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceRequestError);
      return error as DeviceRequestError;
    };

    it('withdraws consent: the registry records it and announces it, which takes the device out of the pool', async () => {
      const clientId = await enrolWithSdk();
      now += 60_000;
      const withdrawn = await sdk().setTrainingConsent(clientId, false);
      expect(withdrawn.trainingConsent).toBe(false);
      expect(withdrawn.consentHistory.at(-1)).toEqual({ trainingConsent: false, at: new Date(now).toISOString(), source: 'device', sequence: 1 });
      // The scheduler's eligibility pool is built from these events: this one removes the device.
      await until(() => events.ClientConsentChanged!.length === 1);
      expect(events.ClientConsentChanged).toEqual([{ clientId, userId: 'user-1', trainingConsent: false, sequence: 1, changedAt: new Date(now).toISOString() }]);
      const view = DeviceView.parse(await (await request('GET', `/v1/devices/${clientId}`, undefined, {}, OPERATOR_KEY)).json());
      expect(view.trainingConsent).toBe(false);

      now += 60_000;
      expect((await sdk().setTrainingConsent(clientId, true)).trainingConsent).toBe(true);
      await until(() => events.ClientConsentChanged!.length === 2);
      expect(events.ClientConsentChanged![1]).toMatchObject({ clientId, trainingConsent: true, sequence: 2 });
    });

    it('reports capabilities: the registry stores the merged profile and announces it', async () => {
      const clientId = await enrolWithSdk();
      now += 1_000;
      const view = await sdk().reportCapabilities(clientId, { charging: true, network: 'wifi', batteryPercent: 95 });
      const expected = { ...CAPABILITIES, charging: true, network: 'wifi', batteryPercent: 95 };
      expect(view.capabilities).toEqual(expected);
      expect(view.capabilitiesReportedAt).toBe(new Date(now).toISOString());
      const stored = DeviceView.parse(await (await request('GET', `/v1/devices/${clientId}`, undefined, { [CLIENT_ID_HEADER]: clientId })).json());
      expect(stored.capabilities).toEqual(expected);
      await until(() => events.ClientCapabilitiesUpdated!.length === 1);
      expect(events.ClientCapabilitiesUpdated).toEqual([{ clientId, userId: 'user-1', capabilities: expected, sequence: 1, reportedAt: new Date(now).toISOString() }]);
    });

    it('refuses an invalid profile before sending anything; the registry refuses the same body on its own', async () => {
      const clientId = await enrolWithSdk();
      const invalid: Array<[unknown, string]> = [
        [{}, ''],
        [{ memoryMb: 0 }, 'memoryMb'],
        [{ batteryPercent: 101 }, 'batteryPercent'],
        [{ accelerator: 'tpu' }, 'accelerator'],
        [{ gpuCores: 8 }, ''],
      ];
      const fetchSpy = vi.spyOn(globalThis, 'fetch');
      try {
        for (const [profile, field] of invalid) {
          const error = await sdk().reportCapabilities(clientId, profile as UpdateCapabilitiesRequest).then(() => undefined, (e: unknown) => e);
          expect(error, JSON.stringify(profile)).toBeInstanceOf(DeviceInputError);
          expect((error as DeviceInputError).argument).toBe('profile');
          expect((error as DeviceInputError).issues.map((issue) => issue.field)).toContain(field);
        }
        const consent = await sdk().setTrainingConsent(clientId, 'no' as unknown as boolean).then(() => undefined, (e: unknown) => e);
        expect(consent).toBeInstanceOf(DeviceInputError);
        expect(fetchSpy).not.toHaveBeenCalled();
      } finally {
        fetchSpy.mockRestore();
      }
      // The server does not rely on the SDK's check: each body sent as is gets 400 problem+json.
      for (const [profile] of invalid) {
        await expectProblem(await request('PATCH', `/v1/devices/${clientId}/capabilities`, profile, { [CLIENT_ID_HEADER]: clientId }), 400, 'validation-failed');
      }
      await new Promise((r) => setTimeout(r, 30));
      expect(events.ClientCapabilitiesUpdated).toEqual([]);
      expect(events.ClientConsentChanged).toEqual([]);
    });

    it("surfaces the registry's refusals as DeviceRequestError with their problem details", async () => {
      const clientId = await enrolWithSdk();
      const unknown = await refusal(sdk().setTrainingConsent(ClientId.parse('c-unknown'), false));
      expect({ status: unknown.status, code: unknown.problem?.code }).toEqual({ status: 404, code: 'device-not-found' });
      const operator = await refusal(sdk(OPERATOR_KEY).reportCapabilities(clientId, { charging: true }));
      expect({ status: operator.status, code: operator.problem?.code }).toEqual({ status: 403, code: 'missing-role' });
      await new Promise((r) => setTimeout(r, 30));
      expect(events.ClientCapabilitiesUpdated).toEqual([]);
      expect(events.ClientConsentChanged).toEqual([]);
    });
  });
});
