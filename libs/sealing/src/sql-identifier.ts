import { SealingUsageError } from './errors.js';

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Quotes a schema name for SQL after checking it is a plain lower-case identifier. Schema names come from
 * configuration, never from users, but they are spliced into SQL text, so they are checked anyway.
 */
export function quoteSchema(schema: string): string {
  if (!PLAIN_IDENTIFIER.test(schema) || schema.startsWith('pg_')) {
    throw new SealingUsageError(
      `schema name "${schema}" must be a lower-case SQL identifier (a-z, 0-9, _; at most 63 characters; not pg_)`,
    );
  }
  return `"${schema}"`;
}
