/** client-registry's variables: defaults, trusted issuers as JSON (JWK or PEM), and messages that name the entry. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfig } from '@cohort/nest-common';
import { clientRegistryConfigShape, clientRegistryOptionsFromConfig } from './client-registry.config';
import { trustedIssuer } from './attestation/trusted-issuer';

const Schema = z.object(clientRegistryConfigShape);

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(Schema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.variable}: ${issue.message}`);
  }
  throw new Error('expected the configuration to be refused');
}

describe('client-registry configuration', () => {
  it('has defaults for everything: no issuer, audience cohort-client-registry, 5 enrolments per hour', () => {
    const options = clientRegistryOptionsFromConfig(parseConfig(Schema, {}));
    expect(options).toEqual({
      attestation: { issuers: [], audience: 'cohort-client-registry', maxTokenAgeMs: 300_000, clockToleranceMs: 30_000 },
      enrolmentLimit: { maxPerSubject: 5, windowMs: 3_600_000 },
    });
  });

  it('reads issuers with JWK and PEM keys, and adds the in-process ones after them', () => {
    const ed = generateKeyPairSync('ed25519').publicKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const config = parseConfig(Schema, {
      COHORT_ATTESTATION_ISSUERS: JSON.stringify([
        { issuer: 'https://attest.example', publicKey: ed.export({ format: 'jwk' }) },
        { issuer: 'hw-attest', publicKey: ec.export({ format: 'pem', type: 'spki' }) },
      ]),
      COHORT_ENROLMENTS_PER_SUBJECT: '3',
      COHORT_ENROLMENT_WINDOW_MS: '60000',
    });
    const local = trustedIssuer('local', generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }));
    const options = clientRegistryOptionsFromConfig(config, [local]);
    expect(options.attestation.issuers.map((i) => [i.issuer, i.algorithms])).toEqual([
      ['https://attest.example', ['EdDSA', 'Ed25519']],
      ['hw-attest', ['ES256']],
      ['local', ['EdDSA', 'Ed25519']],
    ]);
    expect(options.enrolmentLimit).toEqual({ maxPerSubject: 3, windowMs: 60_000 });
  });

  it('refuses bad issuer lists with a message naming the entry', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(problems({ COHORT_ATTESTATION_ISSUERS: 'not json' })[0]).toMatch(/^COHORT_ATTESTATION_ISSUERS: must be a JSON array/);
    expect(problems({ COHORT_ATTESTATION_ISSUERS: '[{"issuer":"a","publicKey":{"kty":"OKP"}}]' })[0]).toMatch(/entry 1 \(issuer "a"\): publicKey could not be read/);
    expect(problems({ COHORT_ATTESTATION_ISSUERS: JSON.stringify([{ issuer: 'a', publicKey: ed.publicKey.export({ format: 'jwk' }) }, { issuer: 'b', publicKey: ed.privateKey.export({ format: 'jwk' }) }]) })[0])
      .toMatch(/entry 2 \(issuer "b"\): publicKey is a private JWK/);
    expect(problems({ COHORT_ATTESTATION_ISSUERS: '[{"issuer":"","publicKey":"x"}]' })[0]).toMatch(/entry 1 \(issuer\)/);
    expect(problems({ COHORT_ENROLMENTS_PER_SUBJECT: '0' })[0]).toMatch(/^COHORT_ENROLMENTS_PER_SUBJECT/);
  });
});
