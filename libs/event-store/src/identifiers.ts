/**
 * SQL identifier handling. The event store's tables live in a schema chosen at run time (one per service),
 * so the schema name is interpolated into SQL text: it is validated against a strict pattern first and then
 * quoted, which together rule out SQL injection through the name.
 */

/** Lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 bytes (NAMEDATALEN - 1). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL truncates identifiers (and rejects channel names) at 64 bytes and more. */
const MAX_IDENTIFIER_LENGTH = 63;

export class InvalidIdentifierError extends Error {
  constructor(what: string, value: string, rule: string) {
    super(`invalid ${what} ${JSON.stringify(value)}: ${rule}`);
    this.name = 'InvalidIdentifierError';
  }
}

/** Returns the schema name unchanged when it is a safe identifier; throws otherwise. */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new InvalidIdentifierError(
      'schema name',
      schema,
      'use 1-63 lower-case letters, digits or underscores, starting with a letter or underscore, not "pg_"',
    );
  }
  return schema;
}

/** Validates a LISTEN/NOTIFY channel name (same rule as a schema name, so it needs no quoting anywhere). */
export function assertChannelName(channel: string): string {
  if (!SCHEMA_NAME.test(channel) || channel.length > MAX_IDENTIFIER_LENGTH) {
    throw new InvalidIdentifierError(
      'notification channel',
      channel,
      'use 1-63 lower-case letters, digits or underscores, starting with a letter or underscore',
    );
  }
  return channel;
}

/** Double-quotes an identifier, doubling embedded quotes (defence in depth: validated names contain none). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
