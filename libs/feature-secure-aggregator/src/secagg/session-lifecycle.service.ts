/**
 * The server side of every SecAgg+ session: open the round's groups on RoundOpened, close each
 * stage (when every expected device answered, or at the stage deadline), and release the round
 * once every group has ended — the sum of the groups' noised sums, or AggregationAborted.
 *
 * Invariants:
 * - a stage closes from what the store holds (the state when the stage opened plus the stage's
 *   inbox or partial sums), never from one replica's memory, so any replica can close it and a
 *   killed process loses nothing that was acknowledged;
 * - Gaussian noise is added in memory before a sum is written: each of the G groups adds
 *   N(0, σ²/G) to its decoded sum, and the release adds N(0, σ²·a/G) for the a groups that aborted,
 *   so the released sum carries exactly N(0, σ²), σ = z·C. No un-noised sum is written, logged or
 *   sent;
 * - fewer than t devices at any stage aborts the group (the library zeroes its sum); a round whose
 *   groups together have fewer than `minSurvivors` contributors releases nothing.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  AggregateReady, AggregationAborted, ClientRegistered, RoundOpened,
  type ClientId, type Envelope, type PayloadOf, type RoundId,
} from '@cohort/contracts';
import { GaussianSampler } from '@cohort/dp';
import {
  SECAGG_MODULUS_BITS, SecAggError, SecAggServer, Stage, decodeState, dequantize, encodeState, fromBase64, nextStage, planShards, quantizationScale, sessionGraph, toBase64,
  type ClientMessage, type CryptoSuite, type ProtocolStage, type SecAggParams, type SecAggParamsInput, type ServerRequest, type ServerState,
} from '@cohort/secagg';
import { CRYPTO_SUITE, SECAGG_OPTIONS, type NoiseSource, type SecAggOptions } from './secagg.options';
import {
  SessionRepository, groupKey,
  type GroupRef, type GroupResult, type RoundRecord, type StagePointer,
} from './session.repository';

const tracer = trace.getTracer('cohort-secure-aggregator');

/** How long a session waits for the identity keys of just-enrolled devices. */
const IDENTITY_KEY_WAIT_MS = 2_000;

@Injectable()
export class SessionLifecycleService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SecAggSessions');
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** Central DP noise: by default from the operating system's CSPRNG (WebCrypto), never Math.random. */
  private readonly noise: NoiseSource;
  /** Groups whose stage this process is closing now (a second trigger waits for the first). */
  private readonly closing = new Map<string, Promise<void>>();
  /** When this process started serving (after its subscriptions joined): see sweepDeadlines. */
  private startedAt = Date.now();

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(SECAGG_OPTIONS) private readonly options: SecAggOptions,
    @Inject(CRYPTO_SUITE) private readonly suite: CryptoSuite,
  ) {
    this.noise = options.noise ?? new GaussianSampler();
  }

  async onModuleInit(): Promise<void> {
    // Failure policy: retry-then-dlq — registrations and rounds are independent, handlers idempotent.
    await this.bus.subscribe(ClientRegistered, (event) => this.recordIdentityKey(event), { group: 'secure-aggregator.identity-keys', policy: 'retry-then-dlq' });
    await this.bus.subscribe(RoundOpened, (event) => this.openRound(event), { group: 'secure-aggregator.rounds', policy: 'retry-then-dlq' });
  }

  /** Deadlines are swept once the whole application is up (a restart can wait long for its consumer group). */
  onApplicationBootstrap(): void {
    this.startedAt = Date.now();
    this.sweeper = setInterval(() => {
      this.sweeping = this.sweeping.then(() => this.sweepDeadlines()).catch((error: unknown) => this.logger.error({ err: error }, 'deadline sweep failed'));
    }, this.options.deadlineSweepMs);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
    await Promise.allSettled(this.closing.values());
  }

  async recordIdentityKey({ payload }: Envelope<'ClientRegistered', PayloadOf<typeof ClientRegistered>>): Promise<void> {
    if (payload.identityKey !== null) await this.sessions.recordIdentityKey(payload.clientId, payload.identityKey);
  }

  /** Shards the cohort, fixes each group's parameters and places its devices on the ring. */
  async openRound({ payload }: Envelope<'RoundOpened', PayloadOf<typeof RoundOpened>>): Promise<void> {
    if (await this.sessions.round(payload.roundId)) return;
    const traceCarrier: Record<string, string> = {};
    propagation.inject(context.active(), traceCarrier);
    const keys = await this.identityKeysOf(payload.cohort);
    const cohort = payload.cohort.filter((clientId) => keys.has(clientId));
    const base = {
      roundId: payload.roundId,
      planId: payload.planId,
      roundNumber: payload.roundNumber,
      baseModelVersion: payload.baseModelVersion,
      dimension: payload.dimension,
      clipNorm: payload.mechanism.clipNorm,
      noiseMultiplier: payload.mechanism.noiseMultiplier,
      expectedCohortSize: payload.expectedCohortSize,
      minSurvivors: payload.minSurvivors,
      withoutIdentityKey: payload.cohort.length - cohort.length,
      traceCarrier,
    };
    if (cohort.length < 3) {
      // SecAgg+ needs three devices at least; such a round can release nothing.
      if (await this.sessions.createEmptyRound({ ...base, groups: 0 })) await this.releaseIfComplete(payload.roundId);
      return;
    }
    const scale = quantizationScale(cohort.length, payload.mechanism.clipNorm);
    const paramsFor = (clients: number): SecAggParamsInput => ({
      clients,
      dimension: payload.dimension,
      modulusBits: SECAGG_MODULUS_BITS,
      clipRange: payload.mechanism.clipNorm,
      scale,
      ...sessionGraph({ clients, corruptFraction: this.options.corruptFraction, dropoutFraction: this.options.dropoutFraction }),
    });
    const plan = planShards(cohort, this.options.maxGroupSize, paramsFor, this.suite);
    const deadline = new Date(Date.now() + this.options.stageTimeoutMs).toISOString();
    const groups = plan.groups.map((members, g) => {
      const params = plan.params[g]!;
      const server = SecAggServer.create({
        params,
        roundId: payload.roundId,
        suite: this.suite,
        cohort: members.map((clientId) => ({ clientId, identityPublicKey: keys.get(clientId)! })),
      });
      const pointer: StagePointer = { stage: Stage.AdvertiseKeys, deadline, expected: members.length };
      return { params, members, pointer, state: encodeState(server.state) };
    });
    if (await this.sessions.createRound({ ...base, groups: groups.length }, groups)) {
      this.logger.log(
        { roundId: payload.roundId, devices: cohort.length, groups: groups.length, degree: plan.params[0]!.degree, threshold: plan.params[0]!.threshold, withoutIdentityKey: base.withoutIdentityKey },
        'SecAgg+ session opened',
      );
    }
  }

  /**
   * The cohort's registered identity keys. A device sampled moments after it enrolled may not be
   * in the projection yet (ClientRegistered and RoundOpened travel on different topics): missing
   * keys are looked up again for a short while before their devices are left out.
   */
  private async identityKeysOf(cohort: readonly ClientId[]): Promise<Map<ClientId, Uint8Array>> {
    const deadline = Date.now() + IDENTITY_KEY_WAIT_MS;
    for (;;) {
      const keys = await this.sessions.identityKeys(cohort);
      if (keys.size === cohort.length || Date.now() >= deadline) return keys;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Closes `stage` of the group if it is still open; concurrent triggers in one process share one run. */
  closeStage(ref: GroupRef, stage: ProtocolStage): Promise<void> {
    const key = `${groupKey(ref)}:${stage}`;
    const running = this.closing.get(key);
    if (running) return running;
    const run = this.close(ref, stage).finally(() => this.closing.delete(key));
    this.closing.set(key, run);
    return run;
  }

  /**
   * Open groups past their deadline; other replicas' groups only after the takeover grace. A
   * process closes nothing at a deadline until it has been up for one stage timeout: after a
   * restart, the devices that kept retrying while it was down get a whole stage to land.
   */
  async sweepDeadlines(): Promise<void> {
    const now = Date.now();
    const notBefore = this.startedAt + this.options.stageTimeoutMs;
    for (const ref of await this.sessions.openGroups()) {
      const pointer = await this.sessions.pointer(ref);
      if (pointer === null || pointer.stage === Stage.Finished || pointer.stage === Stage.Aborted) continue; // ended since the listing
      const grace = this.ownsGroup(ref.group) ? 0 : this.options.takeoverGraceMs;
      if (Math.max(Date.parse(pointer.deadline) + grace, notBefore) <= now) await this.closeStage(ref, pointer.stage).catch((error: unknown) => this.logger.error({ err: error, roundId: ref.roundId, group: ref.group }, 'closing a stage failed'));
    }
  }

  ownsGroup(group: number): boolean {
    const replicas = this.options.replicaUrls.length;
    return replicas === 0 || group % replicas === this.options.replicaIndex;
  }

  private async close(ref: GroupRef, stage: ProtocolStage): Promise<void> {
    const pointer = await this.sessions.pointer(ref);
    if (pointer === null || pointer.stage !== stage) return; // closed already
    const raw = await this.sessions.state(ref);
    if (raw === null) return; // the group ended since
    const server = SecAggServer.restore(decodeState<ServerState>(raw), this.suite);
    try {
      await this.collect(ref, stage, server);
      if (stage === Stage.Unmask) return await this.finishGroup(ref, server);
      const requests = closeStageOf(server, stage);
      const next = nextStage(stage);
      const landed = await this.sessions.advance(ref, stage, {
        pointer: { stage: next, deadline: new Date(Date.now() + this.options.stageTimeoutMs).toISOString(), expected: requests.size },
        state: encodeState(server.state),
        requests: new Map([...requests].map(([clientId, request]) => [clientId, encodeState(request)])),
        ...(stage === Stage.MaskedInput ? { contributors: server.clientsThatCompleted(Stage.MaskedInput) } : {}),
      });
      if (landed) this.logger.log({ roundId: ref.roundId, group: ref.group, stage: next, devices: requests.size }, 'SecAgg+ stage opened');
    } catch (error) {
      if (!(error instanceof SecAggError) || server.stage !== Stage.Aborted) throw error;
      const reason = error.message;
      if (await this.sessions.end(ref, stage, { stage: 'Aborted', deadline: pointer.deadline, expected: 0, abortReason: reason }, { status: 'aborted', reason })) {
        this.logger.warn({ roundId: ref.roundId, group: ref.group, code: error.code }, 'SecAgg+ group aborted: nothing of it is released');
        await this.releaseIfComplete(ref.roundId);
      }
    }
  }

  /** Feeds the stage's answers into the restored server; a message the state machine refuses counts as no answer. */
  private async collect(ref: GroupRef, stage: ProtocolStage, server: SecAggServer): Promise<void> {
    if (stage === Stage.MaskedInput) {
      for (const partial of await this.sessions.partialSums(ref)) {
        try {
          server.acceptMaskedInputs(partial.clients, partial.sum);
        } catch (error) {
          if (!(error instanceof SecAggError)) throw error;
          this.logger.error({ roundId: ref.roundId, group: ref.group, code: error.code, devices: partial.clients.length }, 'a partial sum was refused; its devices count as dropped');
        }
      }
      return;
    }
    for (const text of await this.sessions.inbox(ref, stage)) {
      try {
        server.receive(decodeState<ClientMessage>(text));
      } catch (error) {
        if (!(error instanceof SecAggError) || server.stage === Stage.Aborted) throw error;
        this.logger.warn({ roundId: ref.roundId, group: ref.group, stage, code: error.code }, 'a stored answer was refused at close; its device counts as dropped');
      }
    }
  }

  private async finishGroup(ref: GroupRef, server: SecAggServer): Promise<void> {
    const record = (await this.sessions.round(ref.roundId))!;
    const params = server.state.params;
    const { sum, contributors } = await server.finish();
    // The decoded group sum exists only here until its share of the noise is added.
    const values = dequantize(sum, params as SecAggParams);
    sum.fill(0);
    const noiseStddev = (record.noiseMultiplier * record.clipNorm) / Math.sqrt(record.groups);
    this.noise.addNoise(values, noiseStddev);
    const noised = Float32Array.from(values);
    const result: GroupResult = { status: 'finished', contributors, noisedSum: toBase64(new Uint8Array(noised.buffer)), noiseStddev };
    if (await this.sessions.end(ref, Stage.Unmask, { stage: 'Finished', deadline: new Date().toISOString(), expected: 0 }, result)) {
      this.logger.log({ roundId: ref.roundId, group: ref.group, contributors: contributors.length }, 'SecAgg+ group unmasked');
      await this.releaseIfComplete(ref.roundId, record);
    }
  }

  /**
   * Once every group ended: one replica publishes AggregateReady (noised total) or AggregationAborted.
   * `known` is the round record when the caller already read it (it never changes once written).
   */
  async releaseIfComplete(roundId: RoundId, known?: RoundRecord): Promise<void> {
    const record = known ?? (await this.sessions.round(roundId));
    if (record === null) return;
    const results = Object.values(await this.sessions.results(roundId)).map((raw) => JSON.parse(raw) as GroupResult);
    if (results.length < record.groups || !(await this.sessions.claimRelease(roundId))) return;
    const parent = propagation.extract(context.active(), record.traceCarrier);
    await context.with(parent, () =>
      tracer.startActiveSpan('aggregate.release', { attributes: { 'cohort.round_id': roundId } }, async (span) => {
        try {
          const finished = results.filter((r) => r.status === 'finished');
          const contributors = finished.reduce((n, r) => n + r.contributors.length, 0);
          span.setAttribute('cohort.contributors', contributors);
          if (finished.length === 0 || contributors < record.minSurvivors) return await this.abortRound(record, contributors, results);
          await this.publishNoisedSum(record, finished, record.groups - finished.length, contributors);
        } finally {
          span.end();
        }
      }),
    );
  }

  private async abortRound(record: RoundRecord, contributors: number, results: readonly GroupResult[]): Promise<void> {
    const reasons = results.flatMap((r) => (r.status === 'aborted' ? [r.reason] : []));
    const reason =
      record.groups === 0
        ? `SecAgg+ needs at least 3 devices with registered identity keys; the cohort had ${record.withoutIdentityKey} without one`
        : `${contributors} devices contributed, at least ${record.minSurvivors} are required${reasons.length > 0 ? `: ${reasons[0]}` : ''}`;
    await this.bus.publish(AggregationAborted, {
      roundId: record.roundId,
      planId: record.planId as PayloadOf<typeof AggregationAborted>['planId'],
      reason: reason.slice(0, 512),
      survivors: contributors,
      required: record.minSurvivors,
    }, { correlationId: record.roundId });
    this.logger.warn({ roundId: record.roundId, contributors }, 'aggregation aborted: nothing released');
  }

  private async publishNoisedSum(record: RoundRecord, finished: readonly Extract<GroupResult, { status: 'finished' }>[], abortedGroups: number, contributors: number): Promise<void> {
    const total = new Float64Array(record.dimension);
    for (const group of finished) {
      const bytes = fromBase64(group.noisedSum)!;
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      for (let i = 0; i < total.length; i++) total[i] += values[i]!;
    }
    const noiseStddev = record.noiseMultiplier * record.clipNorm;
    // Aborted groups added no noise: top the total up to N(0, σ²).
    if (abortedGroups > 0) this.noise.addNoise(total, noiseStddev * Math.sqrt(abortedGroups / record.groups));
    const ref = await this.blobs.put(new Uint8Array(Float32Array.from(total).buffer), 'application/vnd.cohort.float32-le');
    await this.bus.publish(AggregateReady, {
      roundId: record.roundId,
      planId: record.planId as PayloadOf<typeof AggregateReady>['planId'],
      roundNumber: record.roundNumber,
      baseModelVersion: record.baseModelVersion as PayloadOf<typeof AggregateReady>['baseModelVersion'],
      sum: ref,
      dimension: record.dimension,
      contributors,
      expectedCohortSize: record.expectedCohortSize,
      noiseStddev,
      aggregation: 'secagg-plus',
    }, { correlationId: record.roundId });
    this.logger.log({ roundId: record.roundId, contributors, groups: record.groups, abortedGroups, noiseStddev }, 'aggregate released');
  }
}

function closeStageOf(server: SecAggServer, stage: ProtocolStage): Map<string, ServerRequest> {
  switch (stage) {
    case Stage.AdvertiseKeys:
      return server.closeAdvertiseKeys();
    case Stage.ShareKeys:
      return server.closeShareKeys();
    case Stage.MaskedInput:
      return server.closeMaskedInput();
    case Stage.ConsistencyCheck:
      return server.closeConsistencyCheck();
    default:
      throw new Error(`stage ${stage} has no close step`);
  }
}

