/**
 * Personal data never goes into logs. Code logs ids and counts; this is the safety net for mistakes:
 * any field whose NAME suggests personal data or a credential is replaced, at any depth, and e-mail
 * addresses are masked in free text (messages, error messages, stacks).
 */

export const REDACTED = '[redacted]';

/**
 * Fragments that make a field name sensitive, matched in the name lower-cased with `_` and `-`
 * removed (`firstName`, `first_name`, `x-api-key` all match). Deliberately broad: a technical name
 * that happens to match (`topicName`) is logged under another key (`topic`).
 */
export const SENSITIVE_KEY_FRAGMENTS: readonly string[] = [
  'email',
  'name',
  'address',
  'phone',
  'birth',
  'recipient',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'session',
  'credential',
];

/** Whole names that are sensitive but too short to match as fragments (`ip` is inside `description`). */
export const SENSITIVE_KEYS: readonly string[] = ['ip', 'clientip', 'remoteip', 'useragent'];

/** Names that contain a fragment but carry no personal data. Kept short on purpose. */
const ALLOWED_KEYS = new Set(['hostname']);

export function isSensitiveKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, '');
  if (ALLOWED_KEYS.has(normalized)) return false;
  return (
    SENSITIVE_KEYS.includes(normalized) ||
    SENSITIVE_KEY_FRAGMENTS.some((fragment) => normalized.includes(fragment))
  );
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Masks e-mail addresses in free text. */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, '[email]');
}

const MAX_DEPTH = 8;

/**
 * The fields of an error worth logging. Driver errors carry the failed query's parameters and the
 * offending row (`parameters`, `detail`): those are dropped, never logged.
 */
export function serializeError(error: Error): Record<string, unknown> {
  const fields = error as Error & { code?: unknown; kind?: unknown; cause?: unknown };
  const serialized: Record<string, unknown> = {
    type: error.name || error.constructor?.name || 'Error',
    message: maskEmails(String(error.message)),
  };
  if (typeof fields.code === 'string' || typeof fields.code === 'number') serialized.code = fields.code;
  if (typeof fields.kind === 'string') serialized.kind = fields.kind;
  if (error.stack) serialized.stack = maskEmails(error.stack);
  if (fields.cause instanceof Error) serialized.cause = serializeError(fields.cause);
  return serialized;
}

/**
 * A copy of `value` with sensitive fields replaced by `[redacted]`, errors reduced to their safe
 * fields and e-mail addresses masked in strings. Plain data only is walked; class instances other than
 * errors, dates and arrays are logged by their type name, so no object can smuggle fields past the rule.
 */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskEmails(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value);
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      return `[${(value as object).constructor?.name ?? 'object'}]`;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      copy[key] = isSensitiveKey(key) ? REDACTED : redact(field, depth + 1, seen);
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}
