import { afterEach, describe, expect, it } from 'vitest';
import { testConfig, waitFor } from '#libs/testing';
import { compiledFixture, ServiceProcess } from './support/service-process.js';

/**
 * SIGTERM on a real service process (compiled fixture, real PostgreSQL): the request being served
 * finishes, its connection is closed after it, no new request is served, and the process runs its
 * shutdown hooks (TypeORM closes its pool there) and exits with 0. `npm run build` first.
 */
describe('graceful shutdown', () => {
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    await service?.stop();
  });

  it('finishes the in-flight request, refuses new ones and exits 0', async () => {
    service = new ServiceProcess(compiledFixture('graceful-service'), {
      DATABASE_URL: testConfig().databaseUrl,
      DATA_RESIDENCY_REGION: 'jp',
      HTTP_PORT: '0',
    });
    const running = service;
    await waitFor(() => running.logLines().some((line) => line.msg === 'listening'), { timeoutMs: 20_000 });
    const port = running.logLines().find((line) => line.msg === 'listening')?.port;
    const base = `http://127.0.0.1:${port}`;

    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ details: { database: { status: 'up' } } });

    const inFlight = fetch(`${base}/slow?ms=800`);
    await waitFor(() => running.logLines().some((line) => line.msg === 'slow request started'), {
      timeoutMs: 5_000,
    });
    running.signal('SIGTERM');
    await waitFor(() => running.logLines().some((line) => String(line.msg).startsWith('shutting down')), {
      timeoutMs: 5_000,
    });

    // A request after the signal is not served: the port is closed, or it gets 503 while draining.
    const late = await fetch(`${base}/health/live`).then(
      (response) => response.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ done: true });

    const exit = await running.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // The client already holds the in-flight request's full answer (above); the two log lines may come in
    // either order, since the request's line is written when its socket closes.
    const messages = running.logLines().map((line) => line.msg);
    expect(messages).toContain('request completed');
    expect(messages).toContain('shut down');
    expect(running.stderr).toBe('');
  });
});
