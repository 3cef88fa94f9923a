/** Options and injection tokens of CohortCommonModule. */
import type { RouteInfo } from '@nestjs/common/interfaces';
import type { DestinationStream } from 'pino';
import type { ApiKeyTableOptions } from '../auth/api-key-table.factory';
import type { CommonConfig } from '../config/common-config.schema';

/** Routes and the body limit they share (bytes or '1mb'). */
export interface RouteBodyLimit {
  readonly routes: readonly (string | RouteInfo)[];
  readonly limit: string | number;
}

export interface CohortHttpOptions {
  /** Largest JSON body accepted (bytes or '1mb'); default 1 MiB. */
  readonly jsonLimit?: string | number;
  /** Routes whose JSON bodies may exceed `jsonLimit`, with their own limit (e.g. base64 images). */
  readonly jsonRoutes?: readonly RouteBodyLimit[];
  /** Routes that take `application/octet-stream` bodies (as a Buffer in `@Body()`), and their limit (default 64 MiB). */
  readonly rawBody?: {
    readonly routes: readonly (string | RouteInfo)[];
    readonly limit?: string | number;
  };
}

export interface CohortCommonOptions {
  /** Service name: `service` on every log line and metric, the OpenTelemetry service.name. */
  readonly service: string;
  /** The app's parsed config (commonConfigSchema or an extension of it). */
  readonly config: CommonConfig;
  readonly http?: CohortHttpOptions;
  /** Where logs go (default stdout); tests pass a stream to read them back. */
  readonly logDestination?: DestinationStream;
  /** Tests: a fixed generated key and a silent announcement. */
  readonly apiKeys?: ApiKeyTableOptions;
  /** Collect Node/process default metrics (default true). */
  readonly defaultMetrics?: boolean;
}

export const COHORT_COMMON_OPTIONS = Symbol.for('cohort.CommonOptions');
/** The service name (string). */
export const SERVICE_NAME = Symbol.for('cohort.ServiceName');
/** The app's config, typed as CommonConfig (inject and narrow to your app's type). */
export const COHORT_CONFIG = Symbol.for('cohort.Config');

/** Pass to `NestFactory.create` / `createNestApplication`: CohortCommonModule parses bodies itself. */
export const COHORT_NEST_APP_OPTIONS = { bodyParser: false } as const;
