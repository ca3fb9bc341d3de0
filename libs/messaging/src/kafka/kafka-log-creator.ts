import { type logCreator, logLevel } from 'kafkajs';
import type { MessagingLogger } from '../logger.js';

/**
 * Routes kafkajs's own log lines into the service's structured logger instead of the console.
 * kafkajs logs `{ message, ...extra }` under a namespace (Consumer, Producer, Connection, ...).
 */
export function kafkaLogCreator(logger: MessagingLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _kafkajs, ...extra } = log;
      const fields = { component: 'kafkajs', namespace, ...extra };
      switch (level) {
        case logLevel.ERROR:
          logger.error(fields, message);
          break;
        case logLevel.WARN:
          logger.warn(fields, message);
          break;
        case logLevel.INFO:
          logger.info(fields, message);
          break;
        default:
          logger.debug(fields, message);
      }
    };
}

/** The kafkajs level matching a pino-style level name (used to keep kafkajs quiet by default). */
export function kafkaLogLevel(level: 'error' | 'warn' | 'info' | 'debug' | 'silent'): logLevel {
  switch (level) {
    case 'silent':
      return logLevel.NOTHING;
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    case 'debug':
      return logLevel.DEBUG;
  }
}
