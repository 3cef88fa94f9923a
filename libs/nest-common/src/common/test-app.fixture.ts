/**
 * Test fixture (not part of the public API): a real Nest app with CohortCommonModule and a small
 * controller, listening on an ephemeral port, whose log lines can be read back.
 */
import { Controller, Get, HttpCode, Module, Post, Body, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import { Principal, Public, Roles } from '../auth/auth.decorators';
import { commonConfigSchema } from '../config/common-config.schema';
import { parseConfig, type Env } from '../config/config.parser';
import { DomainError, type DomainErrorKind } from '../errors/domain.error';
import { ZodBody } from '../errors/zod-validation.pipe';
import { COHORT_NEST_APP_OPTIONS, type CohortHttpOptions } from './cohort-common.options';
import { CohortCommonModule } from './cohort-common.module';

export const OPERATOR_KEY = 'op-key-0123456789abcdefghijklmnop';
export const DEVICE_KEY = 'device-key-0123456789abcdefghijklm';
export const DEV_KEY = 'dev-key-0123456789abcdefghijklmnopq';

export const ThingBody = z.object({
  name: z.string().min(1),
  context: z.object({ recentItemIds: z.array(z.string()) }),
});

export enum FixtureErrorCode {
  ThingTaken = 'thing-taken',
}

export class FixtureError extends DomainError<FixtureErrorCode> {
  constructor(code: FixtureErrorCode, kind: DomainErrorKind, message: string) {
    super(code, kind, message);
  }
}

@Controller('things')
export class ThingsController {
  @Get('open')
  @Public()
  open() {
    return { open: true };
  }

  @Get('mine')
  whoAmI(@Principal() principal: Principal) {
    return principal;
  }

  @Get('admin/:thingId')
  @Roles('operator', 'compliance')
  admin() {
    return { admin: true };
  }

  @Post()
  @HttpCode(201)
  @Roles('device', 'operator')
  create(@ZodBody(ThingBody) body: z.infer<typeof ThingBody>) {
    return body;
  }

  @Post('blobs')
  @Roles('device')
  blob(@Body() body: unknown) {
    return { isBuffer: Buffer.isBuffer(body), bytes: Buffer.isBuffer(body) ? body.length : null };
  }

  @Get('taken')
  @Public()
  taken() {
    throw new FixtureError(FixtureErrorCode.ThingTaken, 'conflict', 'Thing 7 is taken.');
  }

  @Get('boom')
  @Public()
  boom() {
    throw new Error('database password is hunter2 at /srv/secret');
  }
}

export interface TestAppOptions {
  readonly env?: Env;
  readonly http?: CohortHttpOptions;
  readonly controllers?: Type<unknown>[];
  readonly providers?: Provider[];
  readonly imports?: (Type<unknown> | DynamicModule)[];
}

export interface TestApp {
  readonly app: NestExpressApplication;
  readonly url: string;
  /** Every JSON log line written so far. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = parseConfig(commonConfigSchema, {
    COHORT_API_KEYS: `${OPERATOR_KEY}=operator,${DEVICE_KEY}=device`,
    COHORT_API_KEY: DEV_KEY,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) };

  @Module({
    imports: [
      CohortCommonModule.forRoot({ service: 'fixture', config, http: options.http, logDestination: destination, defaultMetrics: false }),
      ...(options.imports ?? []),
    ],
    controllers: [ThingsController, ...(options.controllers ?? [])],
    providers: options.providers ?? [],
  })
  class FixtureModule {}

  const moduleRef = await Test.createTestingModule({ imports: [FixtureModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ ...COHORT_NEST_APP_OPTIONS, logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, logs, close: () => app.close() };
}
