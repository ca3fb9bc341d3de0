import type { Principal } from './principal.js';

/**
 * Tenant scoping (docs/security.md): a principal sees the cases of the contracts in its scope. A
 * case outside it answers exactly like a case that does not exist (404), so a client officer of one
 * client never learns that another client's case exists.
 */

/** The 404 of a case that does not exist or is not the caller's to see: one error for both. */
export class CaseNotFoundError extends Error {
  override readonly name = 'CaseNotFoundError';
  readonly kind = 'not_found' as const;
  readonly code = 'case_not_found';

  constructor(readonly caseId: string) {
    super(`Case ${caseId} was not found.`);
  }
}

/** The 404 of a contract the caller does not know of (unknown, or not in its scope). */
export class ContractNotFoundError extends Error {
  override readonly name = 'ContractNotFoundError';
  readonly kind = 'not_found' as const;
  readonly code = 'contract_not_found';

  constructor(readonly contractId: string) {
    super(`Contract ${contractId} was not found.`);
  }
}

export function canSeeContract(principal: Principal, contractId: string | undefined): boolean {
  if (principal.contracts === 'all') return true;
  return contractId !== undefined && principal.contracts.includes(contractId);
}

/**
 * Throws `CaseNotFoundError` unless the principal may see the case's contract. Pass `undefined` when
 * the contract is not known (yet): only principals that see every contract get through.
 */
export function assertCaseVisible(
  principal: Principal,
  contractId: string | undefined,
  caseId: string,
): void {
  if (!canSeeContract(principal, contractId)) throw new CaseNotFoundError(caseId);
}

/** Throws `ContractNotFoundError` unless the principal may act on the contract. */
export function assertContractVisible(principal: Principal, contractId: string): void {
  if (!canSeeContract(principal, contractId)) throw new ContractNotFoundError(contractId);
}

/** What a list query must filter on: nothing (`all`) or these contract ids (possibly none). */
export type ContractFilter =
  | { readonly all: true }
  | { readonly all: false; readonly contractIds: readonly string[] };

/**
 * For list queries: `WHERE contract_id = ANY($1)` with `filter.contractIds` unless `filter.all`.
 * An empty list means the principal sees nothing; never drop the condition for it.
 */
export function contractFilter(principal: Principal): ContractFilter {
  return principal.contracts === 'all'
    ? { all: true }
    : { all: false, contractIds: [...principal.contracts] };
}
