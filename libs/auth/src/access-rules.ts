import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiCookieAuth } from '@nestjs/swagger';
import type { Actor } from '#libs/event-store';
import { ACCESS_RULE_METADATA } from '#libs/platform';
import { actorOf, type Principal, type Role } from './principal.js';
import { authenticationOf } from './request-auth.js';

/** Who may call a route. Every route has exactly one; a route without one is refused. */
export type AccessRule =
  | { readonly kind: 'public' }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'roles'; readonly roles: readonly Role[] };

/** The metadata key (the platform marks `/health/*` and `/metrics` public with the same key). */
export const ACCESS_RULE = ACCESS_RULE_METADATA;

/** Anyone, signed in or not (health, metrics, sign-in, public pages). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { kind: 'public' });

/** Any signed-in principal; tenant scoping is then the route's job (`assertCaseVisible`). */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_RULE, { kind: 'authenticated' }), ApiBearerAuth(), ApiCookieAuth());

/** A signed-in principal holding any of these roles; 403 `forbidden` otherwise. */
export function Roles(...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { kind: 'roles', roles: Object.freeze([...roles]) }),
    ApiBearerAuth(),
    ApiCookieAuth(),
  );
}

/** The rule of a handler: the method's own, else its controller's. */
export function accessRuleOf(
  reflector: Reflector,
  // biome-ignore lint/complexity/noBannedTypes: Nest metadata targets are plain functions and classes
  targets: [Function, Function],
): AccessRule | undefined {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets);
}

/** The authenticated principal of the request (the guard put it there); only on non-public routes. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const auth = authenticationOf(context.switchToHttp().getRequest());
    if (!auth) throw new Error('@CurrentPrincipal() used on a route that does not require authentication');
    return auth.principal;
  },
);

/** The event actor of the request: the principal, in the role that let it through. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const auth = authenticationOf(context.switchToHttp().getRequest());
  if (!auth) throw new Error('@CurrentActor() used on a route that does not require authentication');
  return actorOf(auth.principal, auth.role);
});
