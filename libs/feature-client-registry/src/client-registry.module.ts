import { type DynamicModule, Module } from '@nestjs/common';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';
import { AttestationVerifier } from './attestation/attestation.verifier';
import { CLIENT_REGISTRY_OPTIONS, type ClientRegistryOptions } from './client-registry.options';
import { DeviceRepository } from './devices/device.repository';
import { DevicesController } from './devices/devices.controller';
import { DevicesService } from './devices/devices.service';
import { EnrolmentRateLimiter } from './devices/enrolment-rate.limiter';

/** client-registry: attested enrolment, device capabilities and consent. */
@Module({})
export class ClientRegistryModule {
  static forRoot(options: ClientRegistryOptions): DynamicModule {
    return {
      module: ClientRegistryModule,
      controllers: [DevicesController],
      providers: [
        { provide: CLIENT_REGISTRY_OPTIONS, useValue: options },
        { provide: AttestationVerifier, useFactory: () => new AttestationVerifier(options.attestation, options.clock) },
        { provide: EnrolmentRateLimiter, inject: [KEY_VALUE_STORE], useFactory: (store: KeyValueStore) => new EnrolmentRateLimiter(store, options.enrolmentLimit) },
        DeviceRepository,
        DevicesService,
      ],
      exports: [DevicesService],
    };
  }
}
