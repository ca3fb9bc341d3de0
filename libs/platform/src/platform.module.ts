import type { ServerResponse } from 'node:http';
import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_PIPE, HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { LogLevel } from './config/platform-config.js';
import { HealthController, ReadinessProbes } from './health/health.controller.js';
import type { ReadinessOptions } from './health/readiness.js';
import { PlatformExceptionFilter } from './http/exception.filter.js';
import { HttpRequestRecorders } from './http/request-recorders.js';
import type { DrainControl } from './http/request-tracking.js';
import { JsonContentTypeGuard } from './http/require-json.js';
import { createValidationPipe } from './http/validation.js';
import { createLogger, type PinoLogger } from './logging/logger.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { PrometheusMetrics } from './metrics/metrics.js';
import { METRICS, PLATFORM_LOGGER, PLATFORM_OPTIONS } from './tokens.js';

export interface PlatformModuleOptions {
  /** The service name: `service` in every log line and metric. */
  service: string;
  /**
   * Validated config objects (from `loadConfig`); each is provided under its class, so any provider
   * can `constructor(private readonly db: DatabaseConfig)`.
   */
  config?: Readonly<Record<string, object>>;
  /** The service's logger; by default one is created at `logLevel`. */
  logger?: PinoLogger;
  logLevel?: LogLevel;
  /** The service's metrics; by default a registry of its own with process metrics. */
  metrics?: PrometheusMetrics;
  /** What `/health/ready` checks (database and broker by default). */
  readiness?: ReadinessOptions;
  /** How long in-flight requests may take once shutdown began (default 10 s). */
  shutdownTimeoutMs?: number;
}

/** The platform's view of the HTTP server's life: draining once shutdown begins. */
@Injectable()
export class HttpLifecycle
  implements DrainControl, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private draining = false;
  private deadline?: NodeJS.Timeout;
  private readonly inFlight = new Set<ServerResponse>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformModuleOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: PinoLogger,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  track(response: ServerResponse): void {
    this.inFlight.add(response);
    response.once('close', () => this.inFlight.delete(response));
  }

  /**
   * First shutdown hook: from here on, new requests get 503, and the requests being served answer
   * with `Connection: close`, so their connections end with them instead of idling on.
   */
  onModuleDestroy(): void {
    this.draining = true;
    for (const response of this.inFlight) {
      if (!response.headersSent) response.shouldKeepAlive = false;
    }
  }

  /**
   * Nest closes the HTTP server next and waits for open connections. In-flight requests get until
   * the deadline; then every connection is closed so the rest of the shutdown (database, broker) runs.
   */
  beforeApplicationShutdown(signal?: string): void {
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    this.logger.info({ signal, timeoutMs }, 'shutting down: finishing in-flight requests');
    const server = this.adapterHost.httpAdapter?.getHttpServer() as
      | { closeAllConnections?: () => void; closeIdleConnections?: () => void }
      | undefined;
    server?.closeIdleConnections?.();
    this.deadline = setTimeout(() => {
      this.logger.warn({ timeoutMs }, 'shutdown deadline reached: closing remaining connections');
      server?.closeAllConnections?.();
    }, timeoutMs);
    this.deadline.unref();
  }

  onApplicationShutdown(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.logger.info('shut down');
  }
}

/**
 * Logging, config injection, `/health/live`, `/health/ready`, `/metrics`, the global exception filter
 * and validation pipe. `bootstrapService` adds it to every service; import it directly only when
 * building an application by hand (and then wire the HTTP pipeline with `configureHttpPipeline`).
 */
@Global()
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const logger = options.logger ?? createLogger({ service: options.service, level: options.logLevel });
    const metrics = options.metrics ?? new PrometheusMetrics({ service: options.service });
    const configProviders = Object.values(options.config ?? {}).map(
      (value) => ({ provide: value.constructor, useValue: value }) satisfies Provider,
    );
    return {
      module: PlatformModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: options },
        { provide: PLATFORM_LOGGER, useValue: logger },
        { provide: METRICS, useValue: metrics },
        { provide: APP_FILTER, useClass: PlatformExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        ...configProviders,
        ReadinessProbes,
        HttpLifecycle,
        HttpRequestRecorders,
        JsonContentTypeGuard,
      ],
      exports: [
        PLATFORM_LOGGER,
        METRICS,
        HttpLifecycle,
        HttpRequestRecorders,
        JsonContentTypeGuard,
        ...configProviders.map((provider) => provider.provide),
      ],
    };
  }
}
