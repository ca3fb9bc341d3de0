import type { Server } from 'node:http';
import type { Admin } from 'kafkajs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerHealthIndicatorSource, createServiceApp, type ServiceApp } from '#libs/platform';
import { testConfig, testKafka, waitFor } from '#libs/testing';
import { sampleValue } from './support/prometheus.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { TestAppModule } from './support/test-app.js';

/**
 * Boots a small Nest application through the platform's own start-up path against the real
 * PostgreSQL (behind a TCP proxy the test can stall or close) and the real Kafka broker.
 */

const READINESS_TIMEOUT_MS = 400;
const BODY_LIMIT = '1kb';

/** Collects the JSON log lines of the application. */
class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  find(msg: string, predicate: (line: Record<string, unknown>) => boolean = () => true) {
    return this.lines.filter((line) => line.msg === msg && predicate(line));
  }
}

/** A real broker round trip (cluster metadata) with kafkajs, as libs/messaging does it. */
class KafkaPing implements BrokerHealthIndicatorSource {
  private admin?: Admin;
  constructor(private readonly brokers: string[]) {}

  async ping(): Promise<void> {
    if (!this.admin) {
      const admin = testKafka({
        brokers: this.brokers,
        retry: { retries: 0 },
        connectionTimeout: 300,
      }).admin();
      await admin.connect();
      this.admin = admin;
    }
    await this.admin.describeCluster();
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
  }
}

/** Switches between the real broker and a closed port, so both outcomes run against real sockets. */
class SwitchableBroker implements BrokerHealthIndicatorSource {
  useClosedPort = false;
  constructor(
    private readonly real: KafkaPing,
    private readonly closed: KafkaPing,
  ) {}
  ping(): Promise<void> {
    return this.useClosedPort ? this.closed.ping() : this.real.ping();
  }
}

function databaseTarget(url: string) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

function throughProxy(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

/** A TCP port nothing listens on (the proxy's own, after closing it). */
async function closedPort(): Promise<number> {
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 1 });
  await proxy.close();
  return proxy.port;
}

describe('platform HTTP service (real PostgreSQL and Kafka)', () => {
  const logs = new LogCapture();
  let proxy: TcpProxy;
  let dataSource: DataSource;
  let broker: SwitchableBroker;
  let realBroker: KafkaPing;
  let closedBroker: KafkaPing;
  let service: ServiceApp<Record<never, never>>;
  let server: Server;

  beforeAll(async () => {
    const { databaseUrl, kafkaBrokers } = testConfig();
    proxy = await TcpProxy.start(databaseTarget(databaseUrl));
    dataSource = new DataSource({
      type: 'postgres',
      url: throughProxy(databaseUrl, proxy.port),
      poolSize: 2,
    });
    await dataSource.initialize();
    realBroker = new KafkaPing(kafkaBrokers);
    closedBroker = new KafkaPing([`127.0.0.1:${await closedPort()}`]);
    broker = new SwitchableBroker(realBroker, closedBroker);

    service = await createServiceApp(TestAppModule, {
      name: 'platform-test',
      env: {
        DATA_RESIDENCY_REGION: 'jp',
        HTTP_PORT: '0',
        HTTP_BODY_LIMIT: BODY_LIMIT,
        LOG_LEVEL: 'debug',
        NODE_ENV: 'test',
      },
      readiness: { database: dataSource, broker, timeoutMs: READINESS_TIMEOUT_MS },
      logDestination: logs,
    });
    await service.app.listen(0, '127.0.0.1');
    server = service.app.getHttpServer();
  });

  afterAll(async () => {
    await service?.app.close();
    await dataSource?.destroy().catch(() => undefined);
    await proxy?.close();
    await realBroker?.close();
    await closedBroker?.close().catch(() => undefined);
  });

  describe('request ids', () => {
    it('generates a request id, echoes it, and uses it as the correlation id', async () => {
      const response = await request(server).get('/cases/c-1').expect(200);
      const requestId = response.headers['x-request-id'];
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers['x-correlation-id']).toBe(requestId);
    });

    it("keeps the client's request and correlation ids", async () => {
      const response = await request(server)
        .get('/cases/c-2')
        .set('X-Request-Id', 'req-abc.1')
        .set('X-Correlation-Id', 'corr-xyz')
        .expect(200);
      expect(response.headers['x-request-id']).toBe('req-abc.1');
      expect(response.headers['x-correlation-id']).toBe('corr-xyz');
    });

    it('replaces an id that is not a plain token', async () => {
      const response = await request(server)
        .get('/cases/c-3')
        .set('X-Request-Id', 'a b <script>')
        .expect(200);
      expect(response.headers['x-request-id']).not.toBe('a b <script>');
    });
  });

  describe('logs', () => {
    it('logs the effective configuration at start-up', () => {
      const [line] = logs.find('configuration loaded');
      expect(line.settings).toEqual(
        expect.arrayContaining(['SERVICE_NAME=platform-test', `HTTP_BODY_LIMIT=${BODY_LIMIT}`]),
      );
    });

    it('writes JSON lines with service, level, time and the ids, also from inside a handler after the body was parsed', async () => {
      await request(server)
        .post('/cases')
        .set('X-Request-Id', 'req-log-1')
        .send({ summary: 'laptop lost', quantity: { persons: 12 } })
        .expect(201);

      const [handlerLine] = logs.find('report accepted', (line) => line.requestId === 'req-log-1');
      expect(handlerLine).toMatchObject({
        level: 'info',
        service: 'platform-test',
        requestId: 'req-log-1',
        correlationId: 'req-log-1',
        persons: 12,
      });
      expect(new Date(String(handlerLine.time)).toISOString()).toBe(handlerLine.time);

      const [requestLine] = logs.find('request completed', (line) => line.requestId === 'req-log-1');
      expect(requestLine).toMatchObject({ method: 'POST', route: '/cases', status: 201 });
      expect(typeof requestLine.durationMs).toBe('number');
    });

    it('redacts personal data and logs the route template, never the URL', async () => {
      await request(server).get('/cases/c-secret-42').set('X-Request-Id', 'req-log-2').expect(200);
      const [handlerLine] = logs.find('case read', (line) => line.requestId === 'req-log-2');
      expect(handlerLine.reporterEmail).toBe('[redacted]');
      expect(handlerLine.caseId).toBe('c-secret-42');
      const [requestLine] = logs.find('request completed', (line) => line.requestId === 'req-log-2');
      expect(requestLine.route).toBe('/cases/:caseId');
      expect(JSON.stringify(requestLine)).not.toContain('c-secret-42');
      expect(JSON.stringify(logs.lines)).not.toContain('someone@example.com');
    });
  });

  describe('errors', () => {
    it('answers an unknown route with 404 in the common body', async () => {
      const response = await request(server).get('/no/such/route').set('X-Request-Id', 'req-404').expect(404);
      expect(response.body).toEqual({
        error: { status: 404, code: 'not_found', message: expect.any(String), requestId: 'req-404' },
      });
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    });

    it('maps a domain error by its kind', async () => {
      const response = await request(server).get('/cases/missing').set('X-Request-Id', 'req-dom').expect(404);
      expect(response.body).toEqual({
        error: {
          status: 404,
          code: 'not_found',
          message: 'case missing does not exist',
          requestId: 'req-dom',
        },
      });
      const stale = await request(server).get('/cases/stale').expect(412);
      expect(stale.body.error.code).toBe('precondition_failed');
    });

    it('answers malformed JSON with 400 malformed_json without quoting the body', async () => {
      const response = await request(server)
        .post('/cases')
        .set('Content-Type', 'application/json')
        .set('X-Request-Id', 'req-bad-json')
        .send('{"summary": "x", "quantity": {persons: taro@example.com')
        .expect(400);
      expect(response.body).toEqual({
        error: {
          status: 400,
          code: 'malformed_json',
          message: 'The request body is not valid JSON.',
          requestId: 'req-bad-json',
        },
      });
      const [line] = logs.find('request completed', (entry) => entry.requestId === 'req-bad-json');
      expect(line).toMatchObject({ status: 400, code: 'malformed_json' });
    });

    it('answers an oversized body with 413', async () => {
      const response = await request(server)
        .post('/cases')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ summary: 'x'.repeat(2048), quantity: { persons: 1 } }))
        .expect(413);
      expect(response.body.error).toMatchObject({ status: 413, code: 'payload_too_large' });
      expect(response.body.error.requestId).toBe(response.headers['x-request-id']);
    });

    it('answers a non-JSON body on a JSON route with 415', async () => {
      const response = await request(server)
        .post('/cases')
        .set('Content-Type', 'text/plain')
        .send('summary=x')
        .expect(415);
      expect(response.body.error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    });

    it('reports validation failures field by field', async () => {
      const response = await request(server)
        .post('/cases')
        .send({ summary: 'x', quantity: { persons: -1 }, extra: true })
        .expect(400);
      expect(response.body.error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(response.body.error.details).toEqual(
        expect.arrayContaining([
          { field: 'quantity.persons', problem: 'must not be negative' },
          { field: 'extra', problem: 'should not exist' },
        ]),
      );
    });

    it('answers an unexpected error with a generic 500 and logs it with the request id', async () => {
      const response = await request(server).get('/cases/crash').set('X-Request-Id', 'req-crash').expect(500);
      expect(response.body).toEqual({
        error: {
          status: 500,
          code: 'internal_error',
          message: 'An unexpected error occurred. Quote the request id when you report it.',
          requestId: 'req-crash',
        },
      });
      expect(response.text).not.toContain('INSERT');
      expect(response.text).not.toContain('at ');
      const [line] = logs.find(
        'unexpected error while serving a request',
        (entry) => entry.requestId === 'req-crash',
      );
      expect(line.level).toBe('error');
      expect(line.err).toMatchObject({ type: 'Error', stack: expect.stringContaining('test-app') });
    });
  });

  describe('health', () => {
    it('/health/live answers without checking anything', async () => {
      const response = await request(server).get('/health/live').expect(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('/health/ready is 200 when the database and the broker answer', async () => {
      const response = await request(server).get('/health/ready').expect(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        details: { database: { status: 'up' }, broker: { status: 'up' } },
      });
    });

    it('/health/ready is 503 naming the broker when the broker does not answer', async () => {
      broker.useClosedPort = true;
      try {
        const response = await request(server).get('/health/ready').expect(503);
        expect(response.body.status).toBe('error');
        expect(Object.keys(response.body.error)).toEqual(['broker']);
        expect(response.body.details.database.status).toBe('up');
      } finally {
        broker.useClosedPort = false;
      }
    });

    it('/health/ready is 503 within the timeout when the database hangs, and recovers', async () => {
      proxy.pause();
      const started = Date.now();
      const response = await request(server).get('/health/ready').expect(503);
      expect(Date.now() - started).toBeLessThan(READINESS_TIMEOUT_MS + 1500);
      expect(response.body.error.database).toMatchObject({
        status: 'down',
        message: `timeout of ${READINESS_TIMEOUT_MS}ms exceeded`,
      });
      proxy.resume();
      await waitFor(async () => (await request(server).get('/health/ready')).status === 200, {
        timeoutMs: 10_000,
      });
    });

    it('/health/ready is 503 naming the database when its port is closed', async () => {
      await proxy.close();
      const response = await request(server).get('/health/ready').expect(503);
      expect(Object.keys(response.body.error)).toEqual(['database']);
      expect(response.body.error.database.status).toBe('down');
      const line = logs.find('readiness check failed').at(-1);
      expect(line).toMatchObject({ level: 'warn', failed: ['database'] });
    });
  });

  describe('metrics', () => {
    it('exposes the HTTP histogram by route template, and process metrics', async () => {
      await request(server).get('/cases/c-77').expect(200);
      const response = await request(server).get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      const count = (labels: Record<string, string>) =>
        sampleValue(response.text, 'http_request_duration_seconds_count', {
          service: 'platform-test',
          ...labels,
        });
      expect(count({ method: 'GET', route: '/cases/:caseId', status_code: '200' })).toBeGreaterThanOrEqual(1);
      expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
      expect(count({ method: 'POST', route: '/cases', status_code: '201' })).toBeGreaterThanOrEqual(1);
      expect(response.text).not.toContain('c-77');
      expect(response.text).toContain('process_cpu_user_seconds_total');
    });
  });

  describe('OpenAPI', () => {
    it('serves the document at /openapi.json with the routes of the service', async () => {
      const response = await request(server).get('/openapi.json').expect(200);
      expect(Object.keys(response.body.paths)).toEqual(
        expect.arrayContaining(['/cases/{caseId}', '/cases', '/health/live', '/health/ready']),
      );
      expect(Object.keys(response.body.paths)).not.toContain('/metrics');
    });
  });
});
