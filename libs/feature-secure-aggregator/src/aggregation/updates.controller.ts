/**
 * Device uploads: `POST /v1/rounds/{roundId}/updates`, body `application/octet-stream` holding the
 * clipped update as little-endian float32, the sender in `X-Cohort-Client-Id`. 202 once stored.
 */
import { Body, Controller, Headers, HttpCode, Inject, Param, Post, RequestMethod } from '@nestjs/common';
import { CLIENT_ID_HEADER, ClientId, RoundId } from '@cohort/contracts';
import { parseWith, Roles, ZodValidationPipe } from '@cohort/nest-common';
import { PlainSumAggregatorService } from './plain-sum-aggregator.service';
import { SecureAggregatorError, SecureAggregatorErrorCode } from './secure-aggregator.error';

/** The routes whose bodies are binary: apps list them in CohortCommonModule's `http.rawBody`. */
export const BINARY_ROUTES = [{ path: 'v1/rounds/:roundId/updates', method: RequestMethod.POST }];

@Controller('v1/rounds')
export class UpdatesController {
  constructor(@Inject(PlainSumAggregatorService) private readonly aggregator: PlainSumAggregatorService) {}

  @Post(':roundId/updates')
  @HttpCode(202)
  @Roles('device')
  async upload(
    @Param('roundId', new ZodValidationPipe(RoundId)) roundId: RoundId,
    @Headers(CLIENT_ID_HEADER) clientIdHeader: unknown,
    @Body() body: unknown,
  ): Promise<{ accepted: true }> {
    const clientId = parseWith(ClientId, clientIdHeader, `header ${CLIENT_ID_HEADER}`);
    if (!Buffer.isBuffer(body) || body.byteLength % 4 !== 0) {
      throw new SecureAggregatorError(
        SecureAggregatorErrorCode.NotOctetStream,
        'send the update as application/octet-stream: little-endian float32 values (a multiple of 4 bytes)',
      );
    }
    const aligned = new Float32Array(body.byteLength / 4);
    new Uint8Array(aligned.buffer).set(body);
    await this.aggregator.acceptUpdate(roundId, clientId, aligned);
    return { accepted: true };
  }
}
