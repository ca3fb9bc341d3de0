/** A plain lower-case PostgreSQL identifier: what schema and role names must be here. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export class InvalidIdentifierError extends TypeError {
  override readonly name = 'InvalidIdentifierError';
}

/** Quotes a schema or role name after checking it is a plain identifier (never user input). */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new InvalidIdentifierError(`${JSON.stringify(name)} is not a plain lower-case SQL identifier`);
  }
  return `"${name}"`;
}
