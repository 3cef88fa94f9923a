/**
 * Device-facing HTTP of SecAgg+ sessions (libs/contracts/src/http/secagg.http.ts):
 * `GET /v1/rounds/{roundId}/secagg[?after=<stage>]` and one `POST` per stage under it. The device
 * names itself in `X-Cohort-Client-Id`; stage messages are JSON in the secagg codec, the masked
 * input is `application/octet-stream` with its signature in `X-Cohort-Secagg-Signature`.
 */
import { Body, Controller, Get, Header, Headers, HttpCode, Inject, Param, Post, Query, RequestMethod } from '@nestjs/common';
import { z } from 'zod';
import {
  CLIENT_ID_HEADER, ClientId, RoundId, SECAGG_SIGNATURE_HEADER, SECAGG_STAGE_ROUTES, SecAggSessionStage, type SecAggProtocolStage,
} from '@cohort/contracts';
import { parseWith, Roles, ZodValidationPipe } from '@cohort/nest-common';
import { StageIntakeService } from './stage-intake.service';

const SESSION_PATH = 'v1/rounds/:roundId/secagg';

/** The routes whose bodies are binary: apps list them in CohortCommonModule's `http.rawBody`. */
export const BINARY_ROUTES = [{ path: `${SESSION_PATH}/${SECAGG_STAGE_ROUTES.MaskedInput}`, method: RequestMethod.POST }];

const STAGE_OF_ROUTE = new Map<string, SecAggProtocolStage>(Object.entries(SECAGG_STAGE_ROUTES).map(([stage, route]) => [route, stage as SecAggProtocolStage]));
const StageRoute = z.enum(Object.values(SECAGG_STAGE_ROUTES) as [string, ...string[]]);

@Controller(SESSION_PATH)
export class SecAggController {
  constructor(@Inject(StageIntakeService) private readonly intake: StageIntakeService) {}

  @Get()
  @Roles('device')
  @Header('content-type', 'application/json; charset=utf-8')
  view(
    @Param('roundId', new ZodValidationPipe(RoundId)) roundId: RoundId,
    @Headers(CLIENT_ID_HEADER) clientIdHeader: unknown,
    @Query('after', new ZodValidationPipe(SecAggSessionStage.optional())) after: SecAggSessionStage | undefined,
  ): Promise<string> {
    return this.intake.view(roundId, parseWith(ClientId, clientIdHeader, `header ${CLIENT_ID_HEADER}`), after);
  }

  @Post(':stage')
  @HttpCode(202)
  @Roles('device')
  accept(
    @Param('roundId', new ZodValidationPipe(RoundId)) roundId: RoundId,
    @Param('stage', new ZodValidationPipe(StageRoute)) route: string,
    @Headers(CLIENT_ID_HEADER) clientIdHeader: unknown,
    @Headers(SECAGG_SIGNATURE_HEADER) signature: unknown,
    @Body() body: unknown,
  ): Promise<{ accepted: true; stage: SecAggProtocolStage }> {
    const clientId = parseWith(ClientId, clientIdHeader, `header ${CLIENT_ID_HEADER}`);
    const stage = STAGE_OF_ROUTE.get(route)!;
    const payload = Buffer.isBuffer(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : body === undefined ? '' : JSON.stringify(body);
    return this.intake.accept(roundId, clientId, stage, payload, typeof signature === 'string' ? signature : undefined);
  }
}
