/**
 * Canonical JSON for hashing: the same value always serialises to the same bytes, however its keys were
 * ordered and whichever way it travelled (JavaScript object → jsonb → JavaScript object).
 *
 * The rules follow RFC 8785 (JSON Canonicalization Scheme):
 * - object keys sorted by their UTF-16 code units (JavaScript's default string order), no whitespace;
 * - numbers in JavaScript's shortest round-trip form (`String(n)` / `JSON.stringify(n)`), `-0` written as `0`;
 * - strings escaped exactly as `JSON.stringify` escapes them.
 *
 * To match what PostgreSQL gives back from a jsonb column, the value first goes through the same
 * conversions `JSON.stringify` applies when the store writes it: `toJSON()` is called (dates become
 * strings), `Number`/`String`/`Boolean` objects are unboxed, object members whose value is `undefined`, a
 * function or a symbol are left out, and such values inside arrays become `null`. Values that JSON cannot
 * carry faithfully are rejected instead of being silently changed: non-finite numbers (`JSON.stringify`
 * would write `null`), bigints, and cycles (reported as nesting deeper than {@link MAX_DEPTH} levels).
 */

/** Deeper structures are rejected; this is also how a cycle is detected, without tracking visited objects. */
export const MAX_DEPTH = 1_000;

const MAX_PATH_LENGTH = 200;

export class CanonicalJsonError extends Error {
  /** where in the value the problem is, e.g. `$.affected.records[2]` */
  path = '$';

  constructor(private readonly problem: string) {
    super(`$: ${problem}`);
    this.name = 'CanonicalJsonError';
  }

  /** Prefixes a path segment while the error travels up from the offending value (long paths are elided). */
  within(segment: string): this {
    if (this.path.length < MAX_PATH_LENGTH) {
      this.path = `$${segment}${this.path.slice(1)}`;
    } else if (!this.path.startsWith('$…')) {
      this.path = `$…${this.path.slice(1)}`;
    }
    this.message = `${this.path}: ${this.problem}`;
    return this;
  }
}

/** Serialises `value` to canonical JSON text. Top-level `undefined` is written as `null`. */
export function canonicalJson(value: unknown): string {
  return serialize(value, 0) ?? 'null';
}

/** The canonical text of `value`, or undefined for what JSON leaves out (undefined, functions, symbols). */
function serialize(input: unknown, depth: number): string | undefined {
  const value = toJsonValue(input);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${value} is not representable in JSON`);
      return String(value); // shortest round-trip text; String(-0) is "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new CanonicalJsonError('bigint is not representable in JSON; convert it to a string');
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) {
        throw new CanonicalJsonError(`nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
      }
      return Array.isArray(value)
        ? serializeArray(value, depth + 1)
        : serializeObject(value as Record<string, unknown>, depth + 1);
    default:
      return undefined;
  }
}

function serializeArray(array: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ',';
    try {
      out += serialize(array[i], depth) ?? 'null';
    } catch (error) {
      throw error instanceof CanonicalJsonError ? error.within(`[${i}]`) : error;
    }
  }
  return `${out}]`;
}

function serializeObject(object: Record<string, unknown>, depth: number): string {
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    let member: string | undefined;
    try {
      member = serialize(object[key], depth);
    } catch (error) {
      throw error instanceof CanonicalJsonError ? error.within(`.${key}`) : error;
    }
    if (member === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${member}`;
  }
  return `${out}}`;
}

/**
 * Applies the conversions JSON.stringify makes before serialising a value: `toJSON()` (dates, and any
 * class that defines it), then unboxing of `Number`, `String` and `Boolean` objects.
 */
function toJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const converted =
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
      ? (value as { toJSON: () => unknown }).toJSON()
      : value;
  if (converted instanceof Number || converted instanceof String || converted instanceof Boolean) {
    return converted.valueOf();
  }
  return converted;
}
