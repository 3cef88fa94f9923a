/** HTTP for devices: `POST /v1/devices` enrols one, `GET /v1/devices/{clientId}` reads it back. */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ClientId, RegisterDeviceRequest, type RegisterDeviceResponse } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { DevicesService, type DeviceRecord } from './devices.service';

@Controller('v1/devices')
export class DevicesController {
  constructor(@Inject(DevicesService) private readonly devices: DevicesService) {}

  @Post()
  @HttpCode(201)
  @Roles('device', 'operator')
  async register(@Body(new ZodValidationPipe(RegisterDeviceRequest)) body: RegisterDeviceRequest): Promise<RegisterDeviceResponse> {
    const record = await this.devices.register(body);
    return { clientId: record.clientId };
  }

  @Get(':clientId')
  @Roles('device', 'operator')
  async get(@Param('clientId', new ZodValidationPipe(ClientId)) clientId: ClientId): Promise<DeviceRecord> {
    return this.devices.get(clientId);
  }
}
