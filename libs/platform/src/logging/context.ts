import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The ids that tie log lines together across an HTTP request, a command, the events it produces and
 * the consumers that handle them. Every log line written inside a context carries its ids.
 */
export interface LogContext {
  /** The chain of work this belongs to: the id of the request or message that started it all. */
  readonly correlationId: string;
  /** The id of the message (event) that directly caused this work, when it was caused by one. */
  readonly causationId?: string;
  /** The HTTP request being served, when there is one. */
  readonly requestId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `context` as the current log context; everything it awaits or schedules inherits it.
 * Consumers call this per message: `runWithContext({ correlationId, causationId: eventId }, handle)`.
 */
export function runWithContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(Object.freeze({ ...context }), fn);
}

/** The context of the work being done, or `undefined` outside any. */
export function currentContext(): LogContext | undefined {
  return storage.getStore();
}
