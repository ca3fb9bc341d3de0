import { randomBytes } from 'node:crypto';

/** PostgreSQL truncates identifiers longer than this many bytes. */
const MAX_IDENTIFIER_LENGTH = 63;
const SUFFIX_LENGTH = 10;

/**
 * A name no other test, worker or earlier run uses, made of `[a-z0-9_]` only, so it is valid
 * unquoted as a PostgreSQL schema/table name and as a Kafka topic or consumer group name.
 * The prefix is normalised (lower case, other characters become `_`) and shortened so the whole
 * name fits in 63 characters: `uniqueName('Outbox Relay')` → `outbox_relay_3f9a0c12de`.
 */
export function uniqueName(prefix: string): string {
  let base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (base === '' || /^[0-9]/.test(base)) base = `t${base}`;
  base = base.slice(0, MAX_IDENTIFIER_LENGTH - SUFFIX_LENGTH - 1);
  return `${base}_${randomBytes(SUFFIX_LENGTH / 2).toString('hex')}`;
}
