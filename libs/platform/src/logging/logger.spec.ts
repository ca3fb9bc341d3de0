import { describe, expect, it } from 'vitest';
import { currentContext, runWithContext } from './context.js';
import { createLogger, type Logger } from './logger.js';
import { NestLoggerAdapter } from './nest-logger.js';

function capture(level: 'debug' | 'info' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'intake',
    level,
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON line with time, level name, service and msg', () => {
    const { logger, lines } = capture();
    logger.info({ caseId: 'c-1', count: 3 }, 'case reported');
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        service: 'intake',
        caseId: 'c-1',
        count: 3,
        msg: 'case reported',
      },
    ]);
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('honours the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('not written');
    logger.warn('written');
    expect(lines.map((line) => line.level)).toEqual(['warn']);
  });

  it('redacts fields, child bindings and e-mail addresses in messages', () => {
    const { logger, lines } = capture();
    logger
      .child({ userEmail: 'a@example.com', component: 'relay' })
      .warn({ token: 'abc' }, 'mail to b@example.com failed');
    expect(lines[0]).toMatchObject({
      userEmail: '[redacted]',
      component: 'relay',
      token: '[redacted]',
      msg: 'mail to [email] failed',
    });
  });

  it('redacts the bindings of grandchildren too', () => {
    const { logger, lines } = capture();
    logger.child({ component: 'relay' }).child({ phone: '090-0000-0000' }).info('x');
    expect(lines[0]).toMatchObject({ component: 'relay', phone: '[redacted]' });
  });

  it('logs an error with its safe fields under err', () => {
    const { logger, lines } = capture();
    logger.error({ err: Object.assign(new Error('boom'), { parameters: ['x@example.com'] }) }, 'failed');
    expect(lines[0].err).toMatchObject({
      type: 'Error',
      message: 'boom',
      stack: expect.stringContaining('boom'),
    });
    expect(JSON.stringify(lines[0])).not.toContain('x@example.com');
  });

  it('is usable through the framework-free Logger interface', () => {
    const { logger, lines } = capture();
    const asInterface: Logger = logger;
    asInterface.child({ component: 'consumer' }).info('started');
    expect(lines[0]).toMatchObject({ component: 'consumer', msg: 'started' });
  });
});

describe('log context', () => {
  it('adds the ids of the current context to every line, also across awaits', async () => {
    const { logger, lines } = capture();
    await runWithContext({ correlationId: 'corr-1', causationId: 'evt-9' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.info('handled');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ correlationId: 'corr-1', causationId: 'evt-9', msg: 'handled' });
    expect(lines[1]).not.toHaveProperty('correlationId');
  });

  it('nests and restores contexts', () => {
    expect(currentContext()).toBeUndefined();
    runWithContext({ correlationId: 'outer' }, () => {
      runWithContext({ correlationId: 'outer', causationId: 'inner-event' }, () => {
        expect(currentContext()).toEqual({ correlationId: 'outer', causationId: 'inner-event' });
      });
      expect(currentContext()).toEqual({ correlationId: 'outer' });
    });
  });

  it('lets fields given to a line win over the context', () => {
    const { logger, lines } = capture();
    runWithContext({ correlationId: 'ctx' }, () => logger.info({ correlationId: 'explicit' }, 'x'));
    expect(lines[0].correlationId).toBe('explicit');
  });
});

describe('NestLoggerAdapter', () => {
  it("writes Nest's messages as JSON lines with their context", () => {
    const { logger, lines } = capture('debug');
    const adapter = new NestLoggerAdapter(logger);
    adapter.log('Nest application successfully started', 'NestApplication');
    adapter.log('Mapped {/x, GET} route', 'RouterExplorer');
    adapter.warn('careful', 'Mine');
    adapter.error('it broke', 'Error: it broke\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    adapter.error(new Error('thrown'));
    expect(lines[0]).toMatchObject({
      level: 'info',
      context: 'NestApplication',
      msg: 'Nest application successfully started',
    });
    expect(lines[1]).toMatchObject({ level: 'debug', context: 'RouterExplorer' });
    expect(lines[2]).toMatchObject({ level: 'warn', context: 'Mine', msg: 'careful' });
    expect(lines[3]).toMatchObject({
      level: 'error',
      context: 'ExceptionsHandler',
      msg: 'it broke',
      err: { stack: expect.stringContaining('at somewhere') },
    });
    expect(lines[4]).toMatchObject({
      level: 'error',
      msg: 'thrown',
      err: { type: 'Error', message: 'thrown' },
    });
  });
});
