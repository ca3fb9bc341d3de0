import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DatabaseConfig,
  HttpRequestRecorders,
  type Logger,
  loadConfig,
  PLATFORM_LOGGER,
  ServiceConfig,
} from '#libs/platform';
import { AccessLogConfig } from './access-log.config.js';
import { createAccessLogMiddleware } from './access-log-middleware.js';
import { AccessLogWriter } from './access-log-writer.js';
import { principalActorOf } from './principal-actor.js';
import type { ActorResolver } from './request-marks.js';
import { AccessLogRetention } from './retention.js';

export interface AccessLogModuleOptions {
  /** who made a request (default: the principal libs/auth's guard attached) */
  readonly actorOf?: ActorResolver;
  /** longest wait of a batched record (default 50 ms) */
  readonly flushIntervalMs?: number;
  /** records per INSERT (default 200) */
  readonly batchSize?: number;
}

const HOUR_MS = 3_600_000;
/** The applications (by their recorder registry) that already have an access log. */
const withAccessLog = new WeakSet<HttpRequestRecorders>();

/** Starts the retention job with the service, and writes the last batched records at shutdown. */
@Injectable()
class AccessLogLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly retention: AccessLogRetention;

  constructor(
    private readonly writer: AccessLogWriter,
    @Inject(DataSource) dataSource: DataSource,
    database: DatabaseConfig,
    @Inject(PLATFORM_LOGGER) logger: Logger,
    @Optional() config?: AccessLogConfig,
  ) {
    // A service that did not list AccessLogConfig in its config shape gets the defaults.
    const settings = config ?? loadConfig({ audit: AccessLogConfig }, { env: {} }).audit;
    this.retention = new AccessLogRetention({
      dataSource,
      schema: database.schema,
      retentionDays: settings.retentionDays,
      intervalMs: settings.retentionIntervalHours * HOUR_MS,
      logger: logger.child({ component: 'access-log-retention' }),
    });
  }

  onApplicationBootstrap(): void {
    this.retention.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.retention.stop();
  }

  /** Runs after the HTTP server closed (every response is recorded) and before the database closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }
}

/**
 * The access log of a service: import `AccessLogModule.forService()` in the service's root module (and
 * `auditMigrations(schema, context)` last in its migrations). Every HTTP request is recorded in
 * `<schema>.access_log`; see docs/audit.md.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class AccessLogModule {
  static forService(options: AccessLogModuleOptions = {}): DynamicModule {
    return {
      module: AccessLogModule,
      providers: [
        {
          provide: AccessLogWriter,
          inject: [DataSource, DatabaseConfig, ServiceConfig, PLATFORM_LOGGER, HttpRequestRecorders],
          useFactory: (
            dataSource: DataSource,
            database: DatabaseConfig,
            service: ServiceConfig,
            logger: Logger,
            recorders: HttpRequestRecorders,
          ) => {
            if (withAccessLog.has(recorders)) {
              throw new Error(
                'AccessLogModule.forService() is imported twice: every request would be recorded twice',
              );
            }
            withAccessLog.add(recorders);
            const log = logger.child({ component: 'access-log' });
            const writer = new AccessLogWriter({
              dataSource,
              schema: database.schema,
              logger: log,
              flushIntervalMs: options.flushIntervalMs,
              batchSize: options.batchSize,
            });
            recorders.register(
              createAccessLogMiddleware({
                writer,
                service: service.name,
                actorOf: options.actorOf ?? principalActorOf,
                logger: log,
              }),
            );
            return writer;
          },
        },
        AccessLogLifecycle,
      ],
      exports: [AccessLogWriter],
    };
  }
}
