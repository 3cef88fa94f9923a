/** The one exception class of client-registry, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum ClientRegistryErrorCode {
  DeviceNotFound = 'device-not-found',
}

const KIND: Record<ClientRegistryErrorCode, DomainErrorKind> = {
  [ClientRegistryErrorCode.DeviceNotFound]: 'not-found',
};

export class ClientRegistryError extends DomainError<ClientRegistryErrorCode> {
  constructor(code: ClientRegistryErrorCode, message: string) {
    super(code, KIND[code], message);
  }
}
