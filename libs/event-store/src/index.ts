export { CanonicalJsonError, canonicalJson, MAX_DEPTH } from './canonical-json.js';
export * from './decider.js';
export * from './decider-spec.js';
export * from './errors.js';
export * from './event-store.js';
export {
  canonicalContent,
  computeEventHash,
  GENESIS_HASH,
  HASH_BYTES,
  type HashedContent,
} from './hash-chain.js';
export { assertSchemaName, InvalidIdentifierError, quoteIdentifier } from './identifiers.js';
export * from './migrations.js';
export { compareCursors, cursorOf } from './rows.js';
export { transactionRetryingConflicts } from './transaction-retry.js';
export * from './types.js';
export type { ChainBreak, ChainBreakReason, VerifyOptions, VerifyResult } from './verifier.js';
