import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';

/**
 * Parsing and validation rules for config classes. Each property gets at most one parsing decorator
 * (`@As…`) and one `@Check`, whose message is what the operator reads, prefixed with the variable's
 * name: `KAFKA_BROKERS: must be a comma-separated list of host:port`.
 */

type Message = string | ((value: unknown, config: Record<string, unknown>) => string);

/** One validation rule with its message; the message should read well after `<VARIABLE>: `. */
export function Check(
  test: (value: unknown, config: Record<string, unknown>) => boolean,
  message: Message,
): PropertyDecorator {
  return ValidateBy({
    name: 'check',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        test(value, (args?.object ?? {}) as Record<string, unknown>),
      defaultMessage: (args?: ValidationArguments) =>
        typeof message === 'string'
          ? message
          : message(args?.value, (args?.object ?? {}) as Record<string, unknown>),
    },
  });
}

const parseWhenSet =
  <T>(parse: (raw: string) => T) =>
  ({ value }: { value: unknown }): T | unknown =>
    typeof value === 'string' ? parse(value) : value;

/** `"42"` → 42; anything that is not a plain decimal integer → NaN (rejected by the check). */
export const AsInteger = (): PropertyDecorator =>
  Transform(parseWhenSet((raw) => (/^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN)));

/** `"a, b,c"` → `['a', 'b', 'c']` (blank entries dropped). */
export const AsList = (options: { lowerCase?: boolean } = {}): PropertyDecorator =>
  Transform(
    parseWhenSet((raw) =>
      raw
        .split(',')
        .map((item) => (options.lowerCase ? item.trim().toLowerCase() : item.trim()))
        .filter((item) => item.length > 0),
    ),
  );

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** `true/1/yes/on` → true, `false/0/no/off` → false; anything else stays a string (rejected). */
export const AsBoolean = (): PropertyDecorator =>
  Transform(
    parseWhenSet((raw): boolean | string => {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return raw;
    }),
  );

export const AsLowerCase = (): PropertyDecorator =>
  Transform(parseWhenSet((raw) => raw.trim().toLowerCase()));

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `"100kb"` → 102400, `"1mb"` → 1048576, `"512"` → 512; anything else → NaN. */
export function parseByteSize(raw: string): number {
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * BYTE_UNITS[(match[2] ?? 'b').toLowerCase()];
}

export const AsByteSize = (): PropertyDecorator => Transform(parseWhenSet(parseByteSize));

export const isIntegerInRange = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

export const IsIntegerInRange = (min: number, max: number): PropertyDecorator =>
  Check((value) => isIntegerInRange(value, min, max), `must be an integer between ${min} and ${max}`);

export const IsOneOf = (allowed: readonly string[]): PropertyDecorator =>
  Check(
    (value) => typeof value === 'string' && allowed.includes(value),
    `must be one of: ${allowed.join(', ')}`,
  );

export const IsBooleanFlag = (): PropertyDecorator =>
  Check((value) => typeof value === 'boolean', 'must be true or false');

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^\[?[0-9A-Fa-f:.]+\]?$/;

export const isHost = (value: unknown): value is string =>
  typeof value === 'string' && (HOST.test(value) || (value.includes(':') && IPV6.test(value)));

export const IsHost = (): PropertyDecorator => Check(isHost, 'must be a host name or IP address');

/** `host:port` with a port from 1 to 65535; an IPv6 host goes in brackets (`[::1]:9092`). */
export function isHostPort(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^(.+):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const host = match[1].startsWith('[') && match[1].endsWith(']') ? match[1].slice(1, -1) : match[1];
  return isHost(host) && isIntegerInRange(Number(match[2]), 1, 65535);
}

export const IsHostPortList = (): PropertyDecorator =>
  Check(
    (value) => Array.isArray(value) && value.length > 0 && value.every(isHostPort),
    'must be a comma-separated list of host:port',
  );

export function isPostgresUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

export const IsPostgresUrl = (): PropertyDecorator =>
  Check(isPostgresUrl, 'must be a postgres:// or postgresql:// URL with a host');

/** A PostgreSQL identifier we can use unquoted: lower case, at most 63 characters. */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export const IsSqlIdentifier = (): PropertyDecorator =>
  Check(
    (value) => typeof value === 'string' && SQL_IDENTIFIER.test(value),
    'must be a lower-case SQL identifier (letters, digits and _, starting with a letter or _, at most 63 characters)',
  );

export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export const IsServiceName = (): PropertyDecorator =>
  Check(
    (value) => typeof value === 'string' && SERVICE_NAME.test(value),
    'must be lower-case letters, digits and -, starting with a letter, at most 63 characters',
  );

/** A short machine-friendly token such as a Kafka client id. */
export const IsToken = (): PropertyDecorator =>
  Check(
    (value) => typeof value === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(value),
    'must be 1 to 100 characters of letters, digits, ., _ and -',
  );

export const IsNonEmptyText = (): PropertyDecorator =>
  Check((value) => typeof value === 'string' && value.length > 0, 'must not be empty');
