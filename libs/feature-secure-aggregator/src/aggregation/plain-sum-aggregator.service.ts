/**
 * INSECURE plain-sum aggregation: the skeleton of the secure-aggregator service until SecAgg+
 * lands. The server sees each device's (clipped) update in the clear, so it is named, logged and
 * tagged `plain-insecure` everywhere, and the module refuses to start in production.
 *
 * What it already keeps of the final design: one upload per cohort member, every update checked
 * for length, finiteness and norm ≤ C; the round is released once — when every cohort member has
 * uploaded, or at the deadline with at least `minSurvivors` — with Gaussian noise N(0, (zC)²)
 * added in memory before the sum is written; fewer survivors abort and release nothing.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { GaussianSampler } from '@cohort/dp';
import { AggregateReady, AggregationAborted, RoundOpened, type ClientId, type Envelope, type PayloadOf, type RoundId } from '@cohort/contracts';
import { AggregationSessionRepository, type AggregationSession } from './aggregation-session.repository';
import { SecureAggregatorError, SecureAggregatorErrorCode } from './secure-aggregator.error';

export const AGGREGATOR_OPTIONS = Symbol.for('cohort.AggregatorOptions');

export interface AggregatorOptions {
  readonly environment: 'development' | 'production';
  /** How often open rounds are checked against their deadline. */
  readonly deadlineSweepMs: number;
}

const tracer = trace.getTracer('cohort-secure-aggregator');
/** Norms are checked with a little slack for float32 rounding on the device. */
const NORM_TOLERANCE = 1e-4;

@Injectable()
export class PlainSumAggregatorService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PlainSumAggregator');
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** Central DP noise from the operating system's CSPRNG (WebCrypto), never Math.random. */
  private readonly noise = new GaussianSampler();

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(AggregationSessionRepository) private readonly sessions: AggregationSessionRepository,
    @Inject(AGGREGATOR_OPTIONS) private readonly options: AggregatorOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.environment === 'production') {
      throw new SecureAggregatorError(
        SecureAggregatorErrorCode.InsecureInProduction,
        'the plain-sum aggregator shows individual updates to the server and refuses to run with COHORT_ENV=production',
      );
    }
    this.logger.warn('INSECURE plain-sum aggregation in use: the server sees individual updates (development only)');
    // Failure policy: retry-then-dlq — each round's session is independent and creation is idempotent.
    await this.bus.subscribe(RoundOpened, (event) => this.openSession(event), { group: 'secure-aggregator.rounds', policy: 'retry-then-dlq' });
    this.sweeper = setInterval(() => {
      this.sweeping = this.sweeping.then(() => this.sweepDeadlines()).catch((error) => this.logger.error({ err: error }, 'deadline sweep failed'));
    }, this.options.deadlineSweepMs);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  async openSession({ payload }: Envelope<'RoundOpened', PayloadOf<typeof RoundOpened>>): Promise<void> {
    const traceCarrier: Record<string, string> = {};
    propagation.inject(context.active(), traceCarrier);
    const session: AggregationSession = {
      roundId: payload.roundId,
      planId: payload.planId,
      roundNumber: payload.roundNumber,
      baseModelVersion: payload.baseModelVersion,
      dimension: payload.dimension,
      clipNorm: payload.mechanism.clipNorm,
      noiseMultiplier: payload.mechanism.noiseMultiplier,
      expectedCohortSize: payload.expectedCohortSize,
      minSurvivors: payload.minSurvivors,
      cohortSize: payload.cohort.length,
      uploadDeadline: payload.uploadDeadline,
      traceCarrier,
    };
    if (await this.sessions.create(session, payload.cohort)) {
      this.logger.log({ roundId: payload.roundId, cohortSize: payload.cohort.length }, 'aggregation session opened');
    }
    if (payload.cohort.length === 0) await this.release(session);
  }

  async hasSession(roundId: RoundId): Promise<boolean> {
    return (await this.sessions.find(roundId)) !== null;
  }

  async acceptUpdate(roundId: RoundId, clientId: ClientId, update: Float32Array): Promise<void> {
    const session = await this.sessions.find(roundId);
    if (session === null) throw new SecureAggregatorError(SecureAggregatorErrorCode.RoundNotFound, `round ${roundId} has no aggregation session`);
    if (await this.sessions.isReleased(roundId)) throw new SecureAggregatorError(SecureAggregatorErrorCode.RoundClosed, `round ${roundId} no longer takes updates`);
    if (!(await this.sessions.isInCohort(roundId, clientId))) {
      throw new SecureAggregatorError(SecureAggregatorErrorCode.NotInCohort, `client ${clientId} is not in the cohort of round ${roundId}`);
    }
    this.validate(session, update);
    if (!(await this.sessions.addUpdate(roundId, clientId, update))) {
      throw new SecureAggregatorError(SecureAggregatorErrorCode.DuplicateUpdate, `client ${clientId} already sent its update for round ${roundId}`);
    }
    if ((await this.sessions.updateCount(roundId)) >= session.cohortSize) await this.release(session);
  }

  private validate(session: AggregationSession, update: Float32Array): void {
    if (update.length !== session.dimension) {
      throw new SecureAggregatorError(SecureAggregatorErrorCode.WrongLength, `the update has ${update.length} float32 values; round ${session.roundId} expects ${session.dimension}`);
    }
    let squared = 0;
    for (const value of update) {
      if (!Number.isFinite(value)) throw new SecureAggregatorError(SecureAggregatorErrorCode.NotFinite, 'the update contains NaN or infinite values');
      squared += value * value;
    }
    if (Math.sqrt(squared) > session.clipNorm * (1 + NORM_TOLERANCE)) {
      throw new SecureAggregatorError(SecureAggregatorErrorCode.NormTooLarge, `the update's L2 norm exceeds the clipping norm ${session.clipNorm}; clip on the device`);
    }
  }

  private async sweepDeadlines(): Promise<void> {
    for (const roundId of await this.sessions.openRounds()) {
      const session = await this.sessions.find(roundId);
      if (session !== null && Date.parse(session.uploadDeadline) <= Date.now()) await this.release(session);
    }
  }

  /** Releases the round once: noised sum and AggregateReady, or AggregationAborted. */
  private async release(session: AggregationSession): Promise<void> {
    if (!(await this.sessions.claimRelease(session.roundId))) return;
    const parent = propagation.extract(context.active(), session.traceCarrier);
    await context.with(parent, () =>
      tracer.startActiveSpan('aggregate.release', { attributes: { 'cohort.round_id': session.roundId } }, async (span) => {
        try {
          const updates = await this.sessions.updates(session.roundId);
          await this.sessions.dropUpdates(session.roundId);
          span.setAttribute('cohort.contributors', updates.length);
          if (updates.length < session.minSurvivors) {
            await this.bus.publish(AggregationAborted, {
              roundId: session.roundId,
              planId: session.planId as PayloadOf<typeof AggregationAborted>['planId'],
              reason: `${updates.length} of ${session.cohortSize} devices sent updates before the deadline; at least ${session.minSurvivors} are required`,
              survivors: updates.length,
              required: session.minSurvivors,
            }, { correlationId: session.roundId });
            this.logger.warn({ roundId: session.roundId, survivors: updates.length }, 'aggregation aborted: too few survivors');
            return;
          }
          await this.publishNoisedSum(session, updates);
        } finally {
          span.end();
        }
      }),
    );
  }

  private async publishNoisedSum(session: AggregationSession, updates: readonly Float32Array[]): Promise<void> {
    const sum = new Float64Array(session.dimension);
    for (const update of updates) for (let i = 0; i < sum.length; i++) sum[i] += update[i];
    const noiseStddev = session.noiseMultiplier * session.clipNorm;
    // The un-noised sum exists only in this function's memory: it is never written, logged or sent.
    this.noise.addNoise(sum, noiseStddev);
    const noised = Float32Array.from(sum);
    const ref = await this.blobs.put(new Uint8Array(noised.buffer), 'application/vnd.cohort.float32-le');
    await this.bus.publish(AggregateReady, {
      roundId: session.roundId,
      planId: session.planId as PayloadOf<typeof AggregateReady>['planId'],
      roundNumber: session.roundNumber,
      baseModelVersion: session.baseModelVersion as PayloadOf<typeof AggregateReady>['baseModelVersion'],
      sum: ref,
      dimension: session.dimension,
      contributors: updates.length,
      expectedCohortSize: session.expectedCohortSize,
      noiseStddev,
      aggregation: 'plain-insecure',
    }, { correlationId: session.roundId });
    this.logger.log({ roundId: session.roundId, contributors: updates.length, noiseStddev }, 'aggregate released');
  }
}
