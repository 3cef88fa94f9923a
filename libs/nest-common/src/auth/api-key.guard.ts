/**
 * The global guard: every route needs `Authorization: Bearer <key>` unless it is `@Public()`.
 *
 * Invariants:
 * - missing or malformed header → 401 `missing-credentials`; unknown key → 401
 *   `invalid-credentials`; known key without any of the route's `@Roles` → 403 `missing-role`;
 * - the key is checked by ApiKeyTable (constant time) and never logged, echoed or stored;
 *   only the principal (keyId, roles) is put on the request.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RequestError, RequestErrorCode } from '../errors/request.error';
import { ApiKeyTable } from './api-key.table';
import { type AuthenticatedRequest, IS_PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import type { CohortRole } from './cohort-role.constants';

/** RFC 6750 §2.1: `Bearer` then one b64token. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyTable) private readonly keys: ApiKeyTable,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<CohortRole[] | undefined>(ROLES_KEY, targets);
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true;
    if (isPublic && roles === undefined) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (match === null) {
      throw new RequestError(
        RequestErrorCode.MissingCredentials,
        header === undefined ? 'This endpoint needs an API key: send `Authorization: Bearer <key>`.' : 'The Authorization header is not of the form `Bearer <key>`.',
      );
    }
    const principal = this.keys.authenticate(match[1] as string);
    if (principal === undefined) {
      throw new RequestError(RequestErrorCode.InvalidCredentials, 'The API key is not recognised.');
    }
    request.principal = principal;
    if (roles !== undefined && !roles.some((role) => principal.roles.includes(role))) {
      throw new RequestError(RequestErrorCode.MissingRole, `This endpoint needs one of the roles ${roles.join(', ')}; key ${principal.keyId} has ${principal.roles.join(', ') || 'none'}.`);
    }
    return true;
  }
}
