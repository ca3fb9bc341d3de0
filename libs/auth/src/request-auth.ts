import type { Principal, Role } from './principal.js';

/** How a request was authenticated. */
export interface RequestAuthentication {
  readonly principal: Principal;
  /** the credential that proved it */
  readonly via: 'bearer' | 'session';
  /** the role the route admitted it in (undefined on public routes) */
  readonly role?: Role;
}

const AUTHENTICATION = Symbol('leak-response.authentication');

type WithAuthentication = { [AUTHENTICATION]?: RequestAuthentication };

/**
 * The authentication the guard attached to a request, if any. The access log reads it when the
 * response finishes, so denied requests (403) still name their principal.
 */
export function authenticationOf(request: object): RequestAuthentication | undefined {
  return (request as WithAuthentication)[AUTHENTICATION];
}

/** The principal of a request, if it was authenticated. */
export function principalOf(request: object): Principal | undefined {
  return authenticationOf(request)?.principal;
}

/** @internal set by the guard */
export function attachAuthentication(request: object, authentication: RequestAuthentication): void {
  (request as WithAuthentication)[AUTHENTICATION] = authentication;
}
