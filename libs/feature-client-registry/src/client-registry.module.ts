import { Module } from '@nestjs/common';
import { DevicesController } from './devices/devices.controller';
import { DevicesService } from './devices/devices.service';

/** client-registry: device identities, capabilities and consent. */
@Module({ controllers: [DevicesController], providers: [DevicesService], exports: [DevicesService] })
export class ClientRegistryModule {}
