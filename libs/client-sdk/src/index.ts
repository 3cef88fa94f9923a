/**
 * @cohort/client-sdk — the device's side of Cohort over HTTPS: enrolment with an identity key,
 * capability reports and training consent, check-in, model download and the SecAgg+ protocol.
 * Runs in Node and in browsers (no Node built-ins; `browser-bundle.spec.ts` builds it for the
 * browser to keep it so).
 */
export { DeviceClient, DeviceInputError, DeviceModelError, DeviceRequestError, deviceRequest, type ServiceUrls } from './device-client';
export { createDeviceIdentity, type DeviceIdentity } from './identity';
export { SecureAggregationParticipant, type ParticipantOptions, type ParticipationResult } from './secagg-participant';
export { DeviceTrainer, clipUpdate, type DeviceOrder, type DeviceUpdate, type RankedItem } from './training/device-trainer';
export { OnDeviceModel, type OnDeviceModelInput } from './training/on-device-model';
