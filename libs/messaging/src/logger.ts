/**
 * The logging surface the messaging classes need: a structural subset of pino's `Logger`, so a
 * pino instance (or `nestjs-pino`'s) can be passed straight in, and tests can pass a silent one.
 * Log objects carry ids, topics and offsets only, never message payloads (they may hold personal data).
 */
export interface MessagingLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const ignore = (): void => {};

/** A logger that drops everything: the default when the caller passes none. */
export const silentLogger: MessagingLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Normalises an unknown thrown value into something a structured log can carry. */
export function describeError(error: unknown): { message: string; name?: string; stack?: string } {
  if (error instanceof Error) return { message: error.message, name: error.name, stack: error.stack };
  return { message: String(error) };
}
