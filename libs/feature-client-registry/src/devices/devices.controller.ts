/**
 * HTTP for devices and operators:
 *   POST  /v1/devices                          enrol (attestation token required; 401 / 429)
 *   GET   /v1/devices/{clientId}               the device, its current profile and consent history
 *   PATCH /v1/devices/{clientId}/capabilities  the device reports what changed in its profile
 *   POST  /v1/devices/{clientId}/consent       the device gives or withdraws training consent
 * A device acts only on itself: it names itself in `X-Cohort-Client-Id`, as on every other
 * device route, and that must be the path's device (403 `device-mismatch` otherwise).
 * Operators read any device; only the device itself changes its consent or profile.
 */
import { Body, Controller, Get, Headers, HttpCode, HttpException, HttpStatus, Inject, Param, Patch, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  CLIENT_ID_HEADER, ClientId, RecordConsentRequest, RegisterDeviceRequest, UpdateCapabilitiesRequest,
  type DeviceView, type RegisterDeviceResponse,
} from '@cohort/contracts';
import { parseWith, Principal, Roles, ZodValidationPipe } from '@cohort/nest-common';
import { ClientRegistryError, ClientRegistryErrorCode } from './client-registry.error';
import { DevicesService } from './devices.service';

@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(DevicesService) private readonly devices: DevicesService) {}

  @Post()
  @HttpCode(201)
  @Roles('device', 'operator')
  async register(
    @Body(new ZodValidationPipe(RegisterDeviceRequest)) body: RegisterDeviceRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RegisterDeviceResponse> {
    try {
      const record = await this.devices.register(body);
      return { clientId: record.clientId };
    } catch (error) {
      throw asTooManyRequests(error, response);
    }
  }

  @Get(':clientId')
  @Roles('device', 'operator')
  async view(
    @Param('clientId', new ZodValidationPipe(ClientId)) clientId: ClientId,
    @Headers(CLIENT_ID_HEADER) self: unknown,
    @Principal() principal: Principal,
  ): Promise<DeviceView> {
    if (!principal.roles.includes('operator')) assertSelf(clientId, self);
    return this.devices.view(clientId);
  }

  @Patch(':clientId/capabilities')
  @HttpCode(200)
  @Roles('device')
  async updateCapabilities(
    @Param('clientId', new ZodValidationPipe(ClientId)) clientId: ClientId,
    @Headers(CLIENT_ID_HEADER) self: unknown,
    @Body(new ZodValidationPipe(UpdateCapabilitiesRequest)) body: UpdateCapabilitiesRequest,
  ): Promise<DeviceView> {
    assertSelf(clientId, self);
    return this.devices.updateCapabilities(clientId, body);
  }

  @Post(':clientId/consent')
  @HttpCode(200)
  @Roles('device')
  async recordConsent(
    @Param('clientId', new ZodValidationPipe(ClientId)) clientId: ClientId,
    @Headers(CLIENT_ID_HEADER) self: unknown,
    @Body(new ZodValidationPipe(RecordConsentRequest)) body: RecordConsentRequest,
  ): Promise<DeviceView> {
    assertSelf(clientId, self);
    return this.devices.recordConsent(clientId, body.trainingConsent);
  }
}

function assertSelf(clientId: ClientId, header: unknown): void {
  const self = parseWith(ClientId, header, `header ${CLIENT_ID_HEADER}`);
  if (self !== clientId) {
    throw new ClientRegistryError(ClientRegistryErrorCode.DeviceMismatch, `device ${self} may act only on itself, not on ${clientId}`);
  }
}

/**
 * The enrolment limit as 429 with Retry-After (RFC 9110 §10.2.3, RFC 6585 §4): the one mapping
 * the problem+json filter cannot make from a DomainErrorKind. Everything else passes through.
 */
function asTooManyRequests(error: unknown, response: Response): unknown {
  if (!(error instanceof ClientRegistryError) || error.code !== ClientRegistryErrorCode.EnrolmentRateLimited) return error;
  response.setHeader('Retry-After', String(Math.max(1, Math.ceil((error.retryAfterMs ?? 0) / 1000))));
  return new HttpException({ message: `${error.code}: ${error.message}` }, HttpStatus.TOO_MANY_REQUESTS, { cause: error });
}
