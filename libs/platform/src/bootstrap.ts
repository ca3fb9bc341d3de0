import { type DynamicModule, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  ConfigError,
  type ConfigShape,
  type Environment,
  type LoadedConfig,
  loadConfig,
  summarizeConfig,
} from './config/load-config.js';
import { PLATFORM_CONFIG_SHAPE, serviceDefaults } from './config/platform-config.js';
import type { ReadinessOptions } from './health/readiness.js';
import { ERROR_KINDS } from './http/error-mapping.js';
import { HttpRequestRecorders } from './http/request-recorders.js';
import { createRequestTracker, enterRequestContext } from './http/request-tracking.js';
import { refuseUnsafeJson } from './http/unsafe-json.js';
import { createLogger, type LogDestination, type Logger, type PinoLogger } from './logging/logger.js';
import { NestLoggerAdapter } from './logging/nest-logger.js';
import { type Metrics, PrometheusMetrics } from './metrics/metrics.js';
import { HttpLifecycle, PlatformModule } from './platform.module.js';
import { METRICS, PLATFORM_LOGGER } from './tokens.js';

/** Exit status of a service that refuses its configuration (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;
/** Exit status of a service that failed to start for any other reason. */
export const EXIT_STARTUP_FAILED = 1;

/** The config every service has, plus what it asked for. */
export type ServiceConfigOf<S extends ConfigShape> = LoadedConfig<typeof PLATFORM_CONFIG_SHAPE & S>;

export interface ServiceOptions<S extends ConfigShape = Record<never, never>> {
  /** The service's name (`intake`): default for SERVICE_NAME, DB_SCHEMA and KAFKA_CLIENT_ID. */
  name: string;
  /** Config classes beyond the platform's own (ServiceConfig, HttpConfig, LogConfig are always loaded). */
  config?: S;
  /** Where variables are read from (default `process.env`). */
  env?: Environment;
  /** Service-specific defaults for variables, e.g. `{ HTTP_PORT: '3001' }`. */
  defaults?: Readonly<Record<string, string>>;
  /** What `/health/ready` checks; by default the TypeORM DataSource and the `BROKER_HEALTH` provider. */
  readiness?: ReadinessOptions;
  /** Title and description of the OpenAPI document served at `/openapi.json`. */
  openApi?: { title?: string; description?: string; version?: string };
  /**
   * Extension point for HTTP hardening (helmet, CORS, rate limits): called after the request ids are
   * assigned and before the body is parsed, so what it rejects is never parsed.
   */
  configureHttp?: (app: NestExpressApplication, config: ServiceConfigOf<S>) => void | Promise<void>;
  /** Tests read log lines back through this; stdout otherwise. */
  logDestination?: LogDestination;
  /**
   * Close the application and exit the process on SIGTERM/SIGINT (default true). A launcher that runs
   * several services in one process sets false, closes every application itself, then exits.
   */
  handleSignals?: boolean;
}

export interface ServiceApp<S extends ConfigShape> {
  readonly app: NestExpressApplication;
  readonly config: ServiceConfigOf<S>;
  readonly logger: PinoLogger;
  readonly metrics: PrometheusMetrics;
}

const QUIET_ROUTES = ['/health/live', '/health/ready', '/metrics'];

@Module({})
class ServiceRootModule {}

/**
 * Loads and validates the configuration (throws `ConfigError` before anything starts), then creates
 * the Nest application around `appModule` with the platform wired in: JSON logging, request ids,
 * body-size limit, validation, the error filter, `/health/*`, `/metrics`, `/openapi.json` (and
 * `/docs` outside production) and graceful shutdown on SIGTERM/SIGINT. It does not listen.
 */
export async function createServiceApp<S extends ConfigShape = Record<never, never>>(
  appModule: Type | DynamicModule,
  options: ServiceOptions<S>,
): Promise<ServiceApp<S>> {
  const shape = { ...PLATFORM_CONFIG_SHAPE, ...options.config } as typeof PLATFORM_CONFIG_SHAPE & S;
  const loadOptions = {
    env: options.env,
    defaults: { ...serviceDefaults(options.name), ...options.defaults },
  };
  const config = loadConfig(shape, loadOptions) as ServiceConfigOf<S>;
  const service = config.service.name;
  const logger = createLogger({ service, level: config.log.level, destination: options.logDestination });
  logger.info(
    {
      settings: Object.entries(summarizeConfig(shape, loadOptions)).map(
        ([name, value]) => `${name}=${value ?? ''}`,
      ),
    },
    'configuration loaded',
  );
  const metrics = new PrometheusMetrics({ service });

  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [
      PlatformModule.forRoot({
        service,
        config,
        logger,
        metrics,
        readiness: options.readiness,
        shutdownTimeoutMs: config.http.shutdownTimeoutMs,
      }),
      appModule,
    ],
  };
  const app = await NestFactory.create<NestExpressApplication>(root, {
    logger: new NestLoggerAdapter(logger),
    bodyParser: false,
    abortOnError: false,
  });
  await configureHttpPipeline(app, {
    bodyLimitBytes: config.http.bodyLimitBytes,
    beforeBodyParsing: options.configureHttp && (() => options.configureHttp?.(app, config)),
  });
  setUpOpenApi(app, options, config.service.isProduction);
  if (options.handleSignals ?? true) {
    // Exit with 0 once shut down (instead of re-raising the signal), after the logs are written.
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  }
  return { app, config, logger, metrics };
}

export interface HttpPipelineOptions {
  /** Largest accepted body; larger ones get 413. */
  bodyLimitBytes: number;
  /** Where hardening middleware (helmet, CORS, rate limits) is added. */
  beforeBodyParsing?: () => void | Promise<void>;
}

/**
 * The Express middleware of a platform service (an application built with `PlatformModule` and
 * created with `bodyParser: false`), in order: the registered `HttpRequestRecorders` (the access
 * log), request ids + request log + metrics, the
 * log context, the hardening hook, the body parsers with the size limit (JSON, including `+json`
 * types, and HTML forms), the check for too deep or prototype-setting JSON, and the log context again (see `enterRequestContext`).
 */
export async function configureHttpPipeline(app: NestExpressApplication, options: HttpPipelineOptions) {
  app.disable('x-powered-by');
  // First, so that they see every request, including those refused while draining or before routing.
  for (const recorder of app.get(HttpRequestRecorders).all) app.use(recorder);
  app.use(
    createRequestTracker({
      logger: app.get<Logger>(PLATFORM_LOGGER),
      metrics: app.get<Metrics>(METRICS),
      quietRoutes: QUIET_ROUTES,
      lifecycle: app.get(HttpLifecycle),
    }),
  );
  app.use(enterRequestContext);
  await options.beforeBodyParsing?.();
  app.useBodyParser('json', {
    limit: options.bodyLimitBytes,
    type: ['application/json', 'application/*+json'],
  });
  app.useBodyParser('urlencoded', { limit: options.bodyLimitBytes, extended: false });
  app.use(refuseUnsafeJson);
  app.use(enterRequestContext);
}

function setUpOpenApi(
  app: INestApplication,
  options: Pick<ServiceOptions, 'name' | 'openApi'>,
  isProduction: boolean,
): void {
  const builder = new DocumentBuilder()
    .setTitle(options.openApi?.title ?? options.name)
    .setDescription(
      options.openApi?.description ??
        `Errors use one body: { error: { status, code, message, details?, requestId } }; codes: ${Object.values(
          ERROR_KINDS,
        )
          .map((rule) => rule.code)
          .join(', ')}.`,
    )
    .setVersion(options.openApi?.version ?? '1');
  const document = () => SwaggerModule.createDocument(app, builder.build());
  SwaggerModule.setup('docs', app, document, {
    ui: !isProduction,
    raw: ['json'],
    jsonDocumentUrl: 'openapi.json',
  });
}

/**
 * Starts a service: `await bootstrapService(AppModule, { name: 'intake', config: { database:
 * DatabaseConfig, kafka: KafkaConfig } })`. A configuration problem prints every bad variable to
 * stderr and exits with 78 (EX_CONFIG); any other start-up failure is logged and exits with 1.
 */
export async function bootstrapService<S extends ConfigShape = Record<never, never>>(
  appModule: Type | DynamicModule,
  options: ServiceOptions<S>,
): Promise<ServiceApp<S>> {
  let service: ServiceApp<S>;
  try {
    service = await createServiceApp(appModule, options);
  } catch (error) {
    if (error instanceof ConfigError) return exitOnConfigError(error, options.name);
    return exitOnStartupFailure(error, options.name, options.logDestination);
  }
  const { app, config, logger } = service;
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    return exitOnStartupFailure(error, config.service.name, options.logDestination, logger);
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info({ host: config.http.host, port }, 'listening');
  return service;
}

/**
 * Prints a configuration error for a person (plain lines) and for the log pipeline (one JSON line),
 * both on stderr, then exits with EX_CONFIG. Neither contains secret values.
 */
export function exitOnConfigError(error: ConfigError, service: string): never {
  process.stderr.write(`${service}: refusing to start.\n${error.message}\n`);
  process.stderr.write(
    `${JSON.stringify({
      time: new Date().toISOString(),
      level: 'fatal',
      service,
      msg: 'invalid configuration',
      problems: error.problems,
    })}\n`,
  );
  process.exit(EXIT_CONFIG);
}

function exitOnStartupFailure(
  error: unknown,
  service: string,
  destination: LogDestination | undefined,
  logger: PinoLogger = createLogger({ service, destination }),
): never {
  logger.fatal({ err: error }, 'failed to start');
  process.exit(EXIT_STARTUP_FAILED);
}
