import { ForbiddenError, IllegalStateError, NotFoundError, ValidationError } from '#libs/event-store';
import type { CaseRecord, CaseState, CommandMetadata } from './case.model.js';

/**
 * The case's refusals, each a DomainError with a stable `code` (docs/case-domain.md lists them all) and
 * details naming the field. Details never hold personal data: ids, roles and field names only.
 */

/** The case must exist and be open; after closure every command is refused. */
export function requireOpenCase(state: CaseState): CaseRecord {
  if (state.status === 'none') {
    throw new NotFoundError('the case has not been reported', {
      code: 'case.not_found',
      details: { field: 'caseId' },
    });
  }
  if (state.status === 'closed') {
    throw new IllegalStateError('the case is closed', { code: 'case.closed', details: { field: 'caseId' } });
  }
  return state;
}

/** The actor must act in one of `roles` (the role comes in the command's metadata). */
export function requireRole(metadata: CommandMetadata, roles: readonly string[], action: string): void {
  const role = metadata.actor.role;
  if (role === undefined || !roles.includes(role)) {
    throw new ForbiddenError(`only ${roles.join(', ')} may ${action}`, {
      code: 'actor.role_not_allowed',
      details: { field: 'actor.role', role: role ?? null, allowed: [...roles] },
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids of instructions and measures are UUIDs chosen by the caller (so a retried command is recognised). */
export function requireUuid(value: string, field: string): void {
  if (!UUID.test(value)) {
    throw new ValidationError(`${field} is not a UUID`, { details: { field, problem: 'must be a UUID' } });
  }
}
