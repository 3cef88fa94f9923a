/**
 * Start-up order of the accountant: load the projection and start consuming the ledger topic
 * (replaying whatever the store lacks), wait until the replay has caught up, and only then consume
 * RoundCommitted — so appends are proposed on the real head. Until then the service is not ready
 * (`/health/ready` check `privacy-ledger`) and budget checks refuse rather than under-count.
 * Boot does not wait for the replay: a long ledger only delays readiness.
 */
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@cohort/nest-common';
import { DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from '../dp-accountant.options';
import { DpAccountantError, DpAccountantErrorCode } from '../dp-accountant.error';
import { LedgerProjector } from './ledger-projector.service';
import { LedgerWriter } from './ledger-writer.service';

@Injectable()
export class LedgerLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(LedgerLifecycle.name);
  private ready = false;
  private starting: Promise<void> | undefined;

  constructor(
    @Inject(LedgerProjector) private readonly projector: LedgerProjector,
    @Inject(LedgerWriter) private readonly writer: LedgerWriter,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(DP_ACCOUNTANT_OPTIONS) private readonly options: DpAccountantOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    this.readiness.register('privacy-ledger', async () => this.ready);
    await this.projector.start();
    this.starting = (async () => {
      await this.projector.caughtUp(this.options.replayQuietMs);
      if (this.projector.isStopping) return;
      await this.projector.goLive();
      await this.writer.start();
      this.ready = true;
      this.logger.log({ head: this.projector.head().sequence }, 'ledger replay caught up; consuming committed rounds');
    })().catch((error: unknown) => {
      this.logger.error({ err: error }, 'the ledger writer could not start; the service stays not ready');
    });
  }

  /** Resolves once the writer consumes RoundCommitted (tests, and callers that must not race the replay). */
  async whenReady(): Promise<void> {
    await this.starting;
    if (!this.ready) throw new DpAccountantError(DpAccountantErrorCode.NotReady, 'the ledger writer did not start; see the service log');
  }

  assertReady(): void {
    if (!this.ready) {
      throw new DpAccountantError(DpAccountantErrorCode.NotReady, 'dp-accountant is still replaying the privacy ledger; retry in a few seconds');
    }
  }

  beforeApplicationShutdown(): void {
    this.projector.stop();
  }
}
