/**
 * The device identity: an Ed25519 key pair made once at enrolment. The public key goes to
 * client-registry (`identityKey`); the secret key never leaves the device and signs the device's
 * SecAgg+ key advertisements and consistency checks, which the aggregator verifies against the
 * registered key.
 */
import { createNobleCryptoSuite, toBase64, type CryptoSuite } from '@cohort/secagg';

export interface DeviceIdentity {
  /** The 32-byte Ed25519 secret seed: keep it in the device's secure storage. */
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** `publicKey` in standard base64, as `RegisterDeviceRequest.identityKey` wants it. */
  readonly publicKeyBase64: string;
}

export function createDeviceIdentity(suite: CryptoSuite = createNobleCryptoSuite()): DeviceIdentity {
  const secretKey = suite.randomBytes(32);
  const publicKey = suite.ed25519PublicKey(secretKey);
  return { secretKey, publicKey, publicKeyBase64: toBase64(publicKey) };
}
