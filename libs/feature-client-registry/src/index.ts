/** @cohort/feature-client-registry — device enrolment (the client-registry service's domain). */
export { ClientRegistryModule } from './client-registry.module';
export { DevicesService, type DeviceRecord } from './devices/devices.service';
export { ClientRegistryError, ClientRegistryErrorCode } from './devices/client-registry.error';
