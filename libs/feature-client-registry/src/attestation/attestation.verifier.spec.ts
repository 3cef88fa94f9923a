/**
 * The attestation check, case by case: a token from LocalAttestationIssuer passes; each way a
 * token can be wrong is refused with its own code; and the identity-key binding matches the
 * published RFC 8037 thumbprint vector.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeviceIdentity } from '@cohort/client-sdk';
import { ClientRegistryError, ClientRegistryErrorCode as Code } from '../devices/client-registry.error';
import { AttestationVerifier, type AttestationPolicy } from './attestation.verifier';
import { identityKeyThumbprint } from './identity-key-thumbprint';
import { LocalAttestationIssuer } from './local-attestation.issuer';
import { trustedIssuer } from './trusted-issuer';

const AUDIENCE = 'cohort-client-registry';
const NOW = Date.parse('2030-01-01T00:00:00Z');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ClientRegistryError);
    expect((error as ClientRegistryError).kind).toBe('unauthenticated');
    return (error as ClientRegistryError).code;
  }
  throw new Error('expected the token to be refused');
}

/** A token signed by `key` with exactly these claims (for the cases the local issuer never makes). */
function craft(key: KeyObject, claims: Record<string, unknown>, alg = 'EdDSA'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

describe('AttestationVerifier', () => {
  let now: number;
  let issuer: LocalAttestationIssuer;
  let policy: AttestationPolicy;
  let verifier: AttestationVerifier;
  const device = createDeviceIdentity();
  const other = createDeviceIdentity();

  beforeEach(() => {
    now = NOW;
    issuer = new LocalAttestationIssuer({ issuer: 'attest.example', audience: AUDIENCE, tokenTtlMs: 120_000, clock: () => now });
    policy = { issuers: [issuer.trustedIssuer()], audience: AUDIENCE, maxTokenAgeMs: 300_000, clockToleranceMs: 5_000 };
    verifier = new AttestationVerifier(policy, () => now);
  });

  it('accepts a token of a trusted issuer bound to the identity key, and names its subject', async () => {
    const token = await issuer.mint(device.publicKeyBase64, 'app-instance-1');
    expect(await verifier.verify(token, device.publicKeyBase64)).toEqual({
      issuer: 'attest.example',
      subject: 'app-instance-1',
      issuedAt: new Date(NOW),
      expiresAt: new Date(NOW + 120_000),
    });
  });

  it('refuses a missing token', async () => {
    expect(await codeOf(verifier.verify(undefined, device.publicKeyBase64))).toBe(Code.AttestationMissing);
    expect(await codeOf(verifier.verify('', device.publicKeyBase64))).toBe(Code.AttestationMissing);
  });

  it('refuses what is not a JWT', async () => {
    for (const token of ['not-a-token', 'a.b.c', 'eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln']) {
      expect(await codeOf(verifier.verify(token, device.publicKeyBase64)), token).toBe(Code.AttestationMalformed);
    }
  });

  it('refuses an expired token, within the clock tolerance only', async () => {
    const token = await issuer.mint(device.publicKeyBase64);
    now = NOW + 120_000 + 4_000; // 4 s past exp, tolerance 5 s
    await expect(verifier.verify(token, device.publicKeyBase64)).resolves.toBeDefined();
    now = NOW + 120_000 + 6_000;
    expect(await codeOf(verifier.verify(token, device.publicKeyBase64))).toBe(Code.AttestationExpired);
  });

  it('refuses a token issued longer ago than the maximum age, whatever its exp', async () => {
    const long = new LocalAttestationIssuer({ issuer: 'attest.example', audience: AUDIENCE, tokenTtlMs: 3_600_000, clock: () => NOW });
    const token = await long.mint(device.publicKeyBase64);
    verifier = new AttestationVerifier({ ...policy, issuers: [long.trustedIssuer()] }, () => now);
    now = NOW + 300_000 + 6_000; // age 306 s > 300 s + 5 s tolerance; exp is an hour away
    expect(await codeOf(verifier.verify(token, device.publicKeyBase64))).toBe(Code.AttestationExpired);
  });

  it('refuses a token issued in the future (beyond the tolerance)', async () => {
    const ahead = new LocalAttestationIssuer({ issuer: 'attest.example', audience: AUDIENCE, clock: () => NOW + 60_000 });
    verifier = new AttestationVerifier({ ...policy, issuers: [ahead.trustedIssuer()] }, () => now);
    expect(await codeOf(verifier.verify(await ahead.mint(device.publicKeyBase64), device.publicKeyBase64))).toBe(Code.AttestationInvalidClaims);
  });

  it('refuses an issuer that is not configured', async () => {
    const stranger = new LocalAttestationIssuer({ issuer: 'attest.elsewhere', audience: AUDIENCE, clock: () => now });
    expect(await codeOf(verifier.verify(await stranger.mint(device.publicKeyBase64), device.publicKeyBase64))).toBe(Code.AttestationUntrustedIssuer);
    const { privateKey } = generateKeyPairSync('ed25519');
    const noIssuer = await craft(privateKey, { sub: 's', aud: AUDIENCE, iat: NOW / 1000, exp: NOW / 1000 + 60 });
    expect(await codeOf(verifier.verify(noIssuer, device.publicKeyBase64))).toBe(Code.AttestationUntrustedIssuer);
  });

  it('refuses another audience', async () => {
    const elsewhere = new LocalAttestationIssuer({ issuer: 'attest.example', audience: 'some-other-service', clock: () => now });
    verifier = new AttestationVerifier({ ...policy, issuers: [elsewhere.trustedIssuer()] }, () => now);
    expect(await codeOf(verifier.verify(await elsewhere.mint(device.publicKeyBase64), device.publicKeyBase64))).toBe(Code.AttestationWrongAudience);
  });

  it('refuses a signature by another key under the trusted issuer name', async () => {
    const impostor = new LocalAttestationIssuer({ issuer: 'attest.example', audience: AUDIENCE, clock: () => now });
    expect(await codeOf(verifier.verify(await impostor.mint(device.publicKeyBase64), device.publicKeyBase64))).toBe(Code.AttestationBadSignature);
    // a token altered after signing: another subject, the same signature
    const [header, , signature] = (await issuer.mint(device.publicKeyBase64, 'a')).split('.');
    const [, payload] = (await issuer.mint(device.publicKeyBase64, 'b')).split('.');
    expect(await codeOf(verifier.verify(`${header}.${payload}.${signature}`, device.publicKeyBase64))).toBe(Code.AttestationBadSignature);
  });

  it('accepts either key of an issuer listed twice (rotation)', async () => {
    const next = new LocalAttestationIssuer({ issuer: 'attest.example', audience: AUDIENCE, clock: () => now });
    verifier = new AttestationVerifier({ ...policy, issuers: [issuer.trustedIssuer(), next.trustedIssuer()] }, () => now);
    await expect(verifier.verify(await issuer.mint(device.publicKeyBase64), device.publicKeyBase64)).resolves.toBeDefined();
    await expect(verifier.verify(await next.mint(device.publicKeyBase64), device.publicKeyBase64)).resolves.toBeDefined();
  });

  it('refuses unsigned tokens and algorithms the issuer key does not sign with', async () => {
    const claims = { iss: 'attest.example', sub: 's', aud: AUDIENCE, iat: NOW / 1000, exp: NOW / 1000 + 60, cnf: { jkt: identityKeyThumbprint(device.publicKeyBase64) } };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    expect(await codeOf(verifier.verify(unsigned, device.publicKeyBase64))).toBe(Code.AttestationBadSignature);
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    expect(await codeOf(verifier.verify(hmac, device.publicKeyBase64))).toBe(Code.AttestationBadSignature);
  });

  it('refuses a token bound to another identity key, or to none', async () => {
    const token = await issuer.mint(other.publicKeyBase64);
    expect(await codeOf(verifier.verify(token, device.publicKeyBase64))).toBe(Code.AttestationKeyMismatch);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    verifier = new AttestationVerifier({ ...policy, issuers: [trustedIssuer('attest.example', publicKey.export({ format: 'jwk' }))] }, () => now);
    const unbound = await craft(privateKey, { iss: 'attest.example', sub: 's', aud: AUDIENCE, iat: NOW / 1000, exp: NOW / 1000 + 60 });
    expect(await codeOf(verifier.verify(unbound, device.publicKeyBase64))).toBe(Code.AttestationKeyMismatch);
  });

  it('refuses a token without a subject', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    verifier = new AttestationVerifier({ ...policy, issuers: [trustedIssuer('attest.example', publicKey.export({ format: 'jwk' }))] }, () => now);
    const claims = { iss: 'attest.example', aud: AUDIENCE, iat: NOW / 1000, exp: NOW / 1000 + 60, cnf: { jkt: identityKeyThumbprint(device.publicKeyBase64) } };
    expect(await codeOf(verifier.verify(await craft(privateKey, claims), device.publicKeyBase64))).toBe(Code.AttestationInvalidClaims);
    expect(await codeOf(verifier.verify(await craft(privateKey, { ...claims, sub: '' }), device.publicKeyBase64))).toBe(Code.AttestationInvalidClaims);
  });

  it('verifies ES256 tokens of an issuer configured with an SPKI PEM', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    verifier = new AttestationVerifier({ ...policy, issuers: [trustedIssuer('attest.ec', pem)] }, () => now);
    const claims = { iss: 'attest.ec', sub: 'hw-1', aud: [AUDIENCE, 'x'], iat: NOW / 1000, exp: NOW / 1000 + 60, cnf: { jkt: identityKeyThumbprint(device.publicKeyBase64) } };
    expect((await verifier.verify(await craft(privateKey, claims, 'ES256'), device.publicKeyBase64)).subject).toBe('hw-1');
    // and not EdDSA claims from a P-256 issuer's name
    const { privateKey: ed } = generateKeyPairSync('ed25519');
    expect(await codeOf(verifier.verify(await craft(ed, claims), device.publicKeyBase64))).toBe(Code.AttestationBadSignature);
  });
});

describe('identityKeyThumbprint', () => {
  it('is the RFC 7638 thumbprint of the key as an OKP JWK (RFC 8037 appendix A.3 vector)', () => {
    const identityKey = Buffer.from('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', 'base64url').toString('base64');
    expect(identityKeyThumbprint(identityKey)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('refuses what is not a 32-byte key in standard base64', () => {
    for (const bad of ['', 'AAAA', Buffer.alloc(33).toString('base64'), Buffer.alloc(32).toString('base64url')]) {
      expect(() => identityKeyThumbprint(bad), bad).toThrow(TypeError);
    }
  });
});

describe('trustedIssuer', () => {
  it('takes public Ed25519 and P-256 keys as JWK or PEM, and says which algorithms they sign', () => {
    const ed = generateKeyPairSync('ed25519').publicKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(trustedIssuer('a', ed.export({ format: 'jwk' })).algorithms).toEqual(['EdDSA', 'Ed25519']);
    expect(trustedIssuer('a', ed.export({ format: 'pem', type: 'spki' }) as string).publicKey).toEqual(ed.export({ format: 'jwk' }));
    expect(trustedIssuer('a', ec.export({ format: 'jwk' })).algorithms).toEqual(['ES256']);
  });

  it('refuses private keys, other key types and garbage, naming the problem', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(() => trustedIssuer('a', ed.export({ format: 'jwk' }))).toThrow(/private JWK/);
    expect(() => trustedIssuer('a', ed.export({ format: 'pem', type: 'pkcs8' }) as string)).toThrow(/private key is refused/);
    expect(() => trustedIssuer('a', generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }))).toThrow(/secp384r1/);
    expect(() => trustedIssuer('a', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }))).toThrow(/type rsa/);
    expect(() => trustedIssuer('a', { kty: 'OKP', crv: 'Ed25519', x: 'short' })).toThrow(/could not be read/);
    expect(() => trustedIssuer('', ed.export({ format: 'jwk' }))).toThrow(/issuer/);
  });
});

describe('LocalAttestationIssuer', () => {
  it('never shows its private key when logged or serialised', () => {
    const issuer = new LocalAttestationIssuer({ issuer: 'local', audience: AUDIENCE });
    const { d } = issuer.exportSigningKey() as { d: string };
    expect(JSON.stringify(issuer)).toBe('{"issuer":"local"}');
    expect(inspect(issuer, { showHidden: true, depth: 10 })).not.toContain(d);
    expect(JSON.stringify(issuer.trustedIssuer())).not.toContain(d);
  });

  it('signs with a handed-over key so that the issuer it came from is trusted (another process)', async () => {
    const original = new LocalAttestationIssuer({ issuer: 'cluster', audience: AUDIENCE });
    const copy = new LocalAttestationIssuer({ issuer: 'cluster', audience: AUDIENCE, signingKey: original.exportSigningKey() });
    const device = createDeviceIdentity();
    const verifier = new AttestationVerifier({ issuers: [original.trustedIssuer()], audience: AUDIENCE, maxTokenAgeMs: 60_000, clockToleranceMs: 0 });
    await expect(verifier.verify(await copy.mint(device.publicKeyBase64), device.publicKeyBase64)).resolves.toMatchObject({ issuer: 'cluster' });
  });

  it('gives every token its own subject unless told one', async () => {
    const issuer = new LocalAttestationIssuer({ issuer: 'local', audience: AUDIENCE });
    const device = createDeviceIdentity();
    const verifier = new AttestationVerifier({ issuers: [issuer.trustedIssuer()], audience: AUDIENCE, maxTokenAgeMs: 60_000, clockToleranceMs: 0 });
    const a = await verifier.verify(await issuer.mint(device.publicKeyBase64), device.publicKeyBase64);
    const b = await verifier.verify(await issuer.mint(device.publicKeyBase64), device.publicKeyBase64);
    expect(a.subject).not.toBe(b.subject);
    expect((await verifier.verify(await issuer.mint(device.publicKeyBase64, 'fixed'), device.publicKeyBase64)).subject).toBe('fixed');
  });

  it('refuses a signing key that is not Ed25519 and a bad TTL', () => {
    expect(() => new LocalAttestationIssuer({ issuer: 'x', audience: AUDIENCE, signingKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) })).toThrow(/Ed25519/);
    expect(() => new LocalAttestationIssuer({ issuer: 'x', audience: AUDIENCE, tokenTtlMs: 10 })).toThrow(RangeError);
  });
});
