/** @cohort/feature-client-registry — attested device enrolment, capabilities and consent (the client-registry service's domain). */
export { ClientRegistryModule } from './client-registry.module';
export { type ClientRegistryOptions, type EnrolmentLimit } from './client-registry.options';
export { clientRegistryConfigShape, clientRegistryOptionsFromConfig, trustedIssuersSchema, type ClientRegistryConfig } from './client-registry.config';
export { DevicesService, type DeviceRecord } from './devices/devices.service';
export { ClientRegistryError, ClientRegistryErrorCode } from './devices/client-registry.error';
export { AttestationVerifier, type Attestation, type AttestationPolicy } from './attestation/attestation.verifier';
export { trustedIssuer, type TrustedIssuer, type AttestationAlgorithm } from './attestation/trusted-issuer';
export { identityKeyThumbprint } from './attestation/identity-key-thumbprint';
export { LocalAttestationIssuer, type LocalAttestationIssuerOptions } from './attestation/local-attestation.issuer';
