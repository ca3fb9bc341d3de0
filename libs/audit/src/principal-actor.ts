import type { IncomingMessage } from 'node:http';
import { principalOf } from '#libs/auth';
import type { AccessActor } from './access-record.js';

/**
 * The default actor of a request: the principal libs/auth's guard attached to it. The guard runs
 * before the handler and the access record is built when the response is written, so a request the
 * guard refused for its role (403) still names its principal; a request it could not authenticate
 * (401) is anonymous.
 */
export function principalActorOf(request: IncomingMessage): AccessActor | undefined {
  const principal = principalOf(request);
  if (!principal) return undefined;
  return { id: principal.id, type: principal.type, roles: principal.roles, orgId: principal.orgId };
}
