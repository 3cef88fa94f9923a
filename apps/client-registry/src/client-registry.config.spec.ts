/** The client-registry app refuses to start without an attestation issuer: no device could enrol. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@cohort/nest-common';
import { ClientRegistryConfig } from './client-registry.config';

describe('ClientRegistryConfig', () => {
  it('needs at least one attestation issuer', () => {
    expect(() => parseConfig(ClientRegistryConfig, {})).toThrow(/COHORT_ATTESTATION_ISSUERS: is required but not set/);
    expect(() => parseConfig(ClientRegistryConfig, { COHORT_ATTESTATION_ISSUERS: '[]' })).toThrow(/at least one attestation issuer/);
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const config = parseConfig(ClientRegistryConfig, { COHORT_ATTESTATION_ISSUERS: JSON.stringify([{ issuer: 'attest', publicKey }]) });
    expect(config.COHORT_ATTESTATION_ISSUERS.map((i) => i.issuer)).toEqual(['attest']);
    expect(config.PORT).toBe(8081);
  });
});
