import type { LoggerService } from '@nestjs/common';
import type { PinoLogger } from './logger.js';

/**
 * Nest's own start-up chatter (one line per module, route and controller) is only useful when
 * debugging the wiring; it goes out at `debug`.
 */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's `LoggerService` on top of the service's pino logger, so Nest's messages and ours come out as
 * the same JSON lines. Nest calls `log(message, context)` and `error(message, stack, context)`.
 */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    this.write(context && CHATTY_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  private write(level: Level, message: unknown, params: unknown[], mayHaveStack = false): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const stack = mayHaveStack ? stackOf(params) : undefined;
    const context = stack === params.at(-1) ? undefined : contextOf(params);
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else if (stack) {
      this.logger[level](
        { ...fields, err: { type: 'Error', message: String(message), stack } },
        String(message),
      );
    } else {
      this.logger[level](fields, String(message));
    }
  }
}

/** Nest passes the context as the last string argument. */
function contextOf(params: unknown[]): string | undefined {
  const last = params.at(-1);
  return typeof last === 'string' ? last : undefined;
}

/** `error(message, stack, context)`: the stack is the string before the context, when there are two. */
function stackOf(params: unknown[]): string | undefined {
  if (params.length >= 2 && typeof params[0] === 'string' && params[0].includes('\n')) return params[0];
  if (params.length === 1 && typeof params[0] === 'string' && params[0].includes('\n    at '))
    return params[0];
  return undefined;
}
