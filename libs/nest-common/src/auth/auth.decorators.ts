/**
 * Route metadata for the ApiKeyGuard and the `@Principal()` parameter.
 *
 * Invariant: routes are protected by default; `@Public()` is the only way to open one, and
 * `@Roles(...)` narrows a protected route to callers holding at least one of the roles. A route
 * with both is treated as protected by its roles (the stricter reading wins).
 */
import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal as PrincipalShape } from './api-key.table';
import type { CohortRole } from './cohort-role.constants';

export const IS_PUBLIC_KEY = 'cohort:auth:public';
export const ROLES_KEY = 'cohort:auth:roles';

/** Opens a route (or a whole controller) to callers without an API key. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Requires a key holding ANY of these roles. */
export const Roles = (...roles: [CohortRole, ...CohortRole[]]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** The request as the guard leaves it. */
export interface AuthenticatedRequest extends Request {
  principal?: PrincipalShape;
}

/** `@Principal() principal: Principal` — the caller's keyId and roles (undefined on public routes). */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): PrincipalShape | undefined => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
});
export type Principal = PrincipalShape;
