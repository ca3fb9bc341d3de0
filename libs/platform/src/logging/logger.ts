import { pino } from 'pino';
import type { LogLevel } from '../config/platform-config.js';
import { currentContext } from './context.js';
import { maskEmails, redact } from './redaction.js';

/**
 * The logger that libraries take, free of any framework: `logger.info({ caseId, count }, 'msg')` or
 * `logger.warn('msg')`. Log ids and counts, never personal data (see docs/operations.md).
 * A pino logger satisfies it.
 */
export interface Logger {
  debug(message: string): void;
  debug(fields: object, message?: string): void;
  info(message: string): void;
  info(fields: object, message?: string): void;
  warn(message: string): void;
  warn(fields: object, message?: string): void;
  error(message: string): void;
  error(fields: object, message?: string): void;
  /** A logger that adds `bindings` to every line, e.g. `{ component: 'outbox-relay' }`. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Where log lines go: anything with `write(line)`; stdout when not given. */
export interface LogDestination {
  write(line: string): unknown;
}

export interface CreateLoggerOptions {
  /** Written as `service` on every line. */
  service: string;
  level?: LogLevel;
  /** Tests pass a stream to read the lines back; production writes to stdout. */
  destination?: LogDestination;
}

/** The pino logger behind `Logger`, for the platform's own adapters. */
export type PinoLogger = pino.Logger;

/**
 * A JSON logger: one line per entry with `time` (ISO 8601), `level` (a name), `service`, `msg`, the
 * ids of the current log context (`correlationId`, `causationId`, `requestId`, see `runWithContext`)
 * and the entry's own fields, sensitive ones redacted (see `redact`).
 */
export function createLogger(options: CreateLoggerOptions): PinoLogger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redact(bindings) as Record<string, unknown>,
      log: (fields) => redact(fields) as Record<string, unknown>,
    },
    serializers: {
      // `formatters.log` has already reduced errors to their safe fields (see `serializeError`);
      // pino's own error serializer would turn that plain object into `{ type: 'Object', … }`.
      err: (error: unknown) => error,
      msg: (message: unknown) => (typeof message === 'string' ? maskEmails(message) : message),
    },
    mixin: () => contextFields(),
  };
  const logger = options.destination
    ? pino(pinoOptions, options.destination as pino.DestinationStream)
    : pino(pinoOptions);
  redactChildBindings(logger);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root logger only; children get their bindings redacted
 * here. Children inherit from their parent object, so this covers grandchildren too.
 */
function redactChildBindings(logger: PinoLogger): void {
  type ChildFn = (this: PinoLogger, bindings: pino.Bindings, ...rest: unknown[]) => PinoLogger;
  const child = logger.child as unknown as ChildFn;
  const redactingChild: ChildFn = function (bindings, ...rest) {
    return child.call(this, redact(bindings) as pino.Bindings, ...rest);
  };
  logger.child = redactingChild as unknown as typeof logger.child;
}

function contextFields(): Record<string, string> {
  const context = currentContext();
  if (!context) return {};
  const fields: Record<string, string> = { correlationId: context.correlationId };
  if (context.causationId) fields.causationId = context.causationId;
  if (context.requestId) fields.requestId = context.requestId;
  return fields;
}
