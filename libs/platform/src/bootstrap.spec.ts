import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceApp, type ServiceApp } from './bootstrap.js';
import { ConfigError } from './config/load-config.js';
import { DatabaseConfig } from './config/platform-config.js';
import { BROKER_HEALTH } from './tokens.js';

@Controller('things')
class ThingsController {
  constructor(private readonly database: DatabaseConfig) {}

  @Get()
  list() {
    return { schema: this.database.schema };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const env = {
  DATA_RESIDENCY_REGION: 'jp-tokyo',
  DATABASE_URL: 'postgres://app:pw@db.internal:5432/x',
  LOG_LEVEL: 'silent',
};

describe('createServiceApp', () => {
  let service: ServiceApp<{ database: typeof DatabaseConfig }> | undefined;

  afterEach(async () => {
    await service?.app.close();
    service = undefined;
  });

  it('refuses to build the application when the configuration is invalid', async () => {
    const attempt = createServiceApp(ThingsModule, {
      name: 'things',
      config: { database: DatabaseConfig },
      env: { DATA_RESIDENCY_REGION: 'us' },
    });
    await expect(attempt).rejects.toThrowError(ConfigError);
    await expect(attempt).rejects.toThrowError(/DATABASE_URL: is required but not set/);
  });

  it('provides every loaded config object for injection, with service-dependent defaults', async () => {
    service = await createServiceApp(ThingsModule, {
      name: 'client-notifier',
      config: { database: DatabaseConfig },
      env,
      readiness: { database: false, broker: false },
    });
    expect(service.config.service.name).toBe('client-notifier');
    await service.app.init();
    const response = await request(service.app.getHttpServer()).get('/things').expect(200);
    expect(response.body).toEqual({ schema: 'client_notifier' });
  });

  it('fails at start-up when readiness has no database to check, saying how to fix it', async () => {
    service = await createServiceApp(ThingsModule, {
      name: 'things',
      config: { database: DatabaseConfig },
      env,
      readiness: { broker: false },
    });
    await expect(service.app.init()).rejects.toThrowError(
      /Readiness cannot check the database: nothing usable is provided under DataSource.*readiness\.database/,
    );
  });

  it('finds the broker check under BROKER_HEALTH', async () => {
    @Module({ providers: [{ provide: BROKER_HEALTH, useValue: { ping: async () => undefined } }] })
    class BrokerModule {}

    service = await createServiceApp(BrokerModule, { name: 'things', env, readiness: { database: false } });
    await service.app.init();
    const response = await request(service.app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.body.details).toEqual({ broker: { status: 'up', responseTime: expect.any(Number) } });
  });

  it('runs the hardening hook after the request ids and before the body is parsed', async () => {
    service = await createServiceApp(ThingsModule, {
      name: 'things',
      config: { database: DatabaseConfig },
      env: { ...env, HTTP_BODY_LIMIT: '10b' },
      readiness: { database: false, broker: false },
      configureHttp: (app, config) => {
        app.use(
          (
            _request: unknown,
            response: { setHeader(name: string, value: string): void },
            next: () => void,
          ) => {
            response.setHeader('X-Hardened', config.service.name);
            next();
          },
        );
      },
    });
    await service.app.init();
    const response = await request(service.app.getHttpServer())
      .post('/things')
      .set('Content-Type', 'application/json')
      .send('{"much":"too long for ten bytes"}')
      .expect(413);
    expect(response.headers['x-hardened']).toBe('things');
    expect(response.headers['x-request-id']).toBeDefined();
  });

  it('serves the Swagger UI outside production only', async () => {
    service = await createServiceApp(ThingsModule, {
      name: 'things',
      config: { database: DatabaseConfig },
      env: { ...env, NODE_ENV: 'development' },
      readiness: { database: false, broker: false },
    });
    await service.app.init();
    await request(service.app.getHttpServer()).get('/docs').expect(200);
    await service.app.close();

    service = await createServiceApp(ThingsModule, {
      name: 'things',
      config: { database: DatabaseConfig },
      env: { ...env, NODE_ENV: 'production' },
      readiness: { database: false, broker: false },
    });
    await service.app.init();
    const server = service.app.getHttpServer();
    await request(server).get('/docs').expect(404);
    const document = await request(server).get('/openapi.json').expect(200);
    expect(document.body.paths).toHaveProperty('/things');
  });
});
