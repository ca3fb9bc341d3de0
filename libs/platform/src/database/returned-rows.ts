/**
 * The rows of an `UPDATE … RETURNING` or `DELETE … RETURNING` run through TypeORM's `query()`: for those
 * commands the PostgreSQL driver answers `[rows, rowCount]` instead of the rows. Other statements' results
 * are passed through.
 */
export function returnedRows<T>(result: unknown): T[] {
  const pair = Array.isArray(result) && result.length === 2;
  if (pair && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
