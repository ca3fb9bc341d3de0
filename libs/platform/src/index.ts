/**
 * The platform every service stands on: validated configuration, JSON logging with request and
 * correlation ids, health, metrics, one error → HTTP mapping, and the bootstrap that wires them.
 * See docs/configuration.md and docs/operations.md.
 */

// start-up
export {
  bootstrapService,
  configureHttpPipeline,
  createServiceApp,
  EXIT_CONFIG,
  EXIT_STARTUP_FAILED,
  exitOnConfigError,
  type HttpPipelineOptions,
  type ServiceApp,
  type ServiceConfigOf,
  type ServiceOptions,
} from './bootstrap.js';
// configuration
export { Env, type EnvOptions, type EnvVarSpec, envSpecsOf } from './config/env.js';
export {
  type ConfigClass,
  ConfigError,
  type ConfigProblem,
  type ConfigShape,
  describeEnvironment,
  type Environment,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  summarizeConfig,
} from './config/load-config.js';
export {
  DatabaseConfig,
  HttpConfig,
  isRegionAllowed,
  KAFKA_SASL_MECHANISMS,
  KafkaConfig,
  type KafkaSaslMechanism,
  LOG_LEVELS,
  LogConfig,
  type LogLevel,
  NODE_ENVIRONMENTS,
  type NodeEnvironment,
  PLATFORM_CONFIG_SHAPE,
  ServiceConfig,
  serviceDefaults,
} from './config/platform-config.js';
export { DATABASE_CONNECT_TIMEOUT_MS, postgresConnectionOptions } from './config/postgres.js';
export {
  AsBoolean,
  AsByteSize,
  AsInteger,
  AsList,
  AsLowerCase,
  Check,
  IsBooleanFlag,
  IsHost,
  IsHostPortList,
  IsIntegerInRange,
  IsNonEmptyText,
  IsOneOf,
  IsPostgresUrl,
  IsServiceName,
  IsSqlIdentifier,
  IsToken,
  parseByteSize,
} from './config/rules.js';
// database
export { returnedRows } from './database/returned-rows.js';
export {
  type MigrationClass,
  type MigrationContext,
  openServiceDatabase,
  ServiceDatabaseModule,
  type ServiceDatabaseOptions,
} from './database/service-database.js';
// health
export type {
  BrokerHealthIndicatorSource,
  DatabaseHealthSource,
  ReadinessOptions,
  ReadinessSource,
} from './health/readiness.js';
// HTTP errors
export { ApiError, type ApiErrorOptions } from './http/api-error.js';
export {
  ERROR_KINDS,
  type ErrorBody,
  type ErrorDetail,
  type ErrorKind,
  INTERNAL_ERROR_MESSAGE,
  isKindedError,
  type KindedError,
  type MappedError,
  mapErrorToHttp,
} from './http/error-mapping.js';
export { PlatformExceptionFilter } from './http/exception.filter.js';
export { ACCESS_RULE_METADATA, PublicRoute } from './http/public-route.js';
export { HttpRequestRecorders, type RequestRecorder } from './http/request-recorders.js';
export {
  CORRELATION_ID_HEADER,
  REQUEST_ID_HEADER,
  type RequestState,
  requestStateOf,
  routeTemplateOf,
  UNMATCHED_ROUTE,
} from './http/request-tracking.js';
export { isJsonContentType, JsonContentTypeGuard, RequireJson } from './http/require-json.js';
export { createValidationPipe, flattenValidationErrors, requestValidationError } from './http/validation.js';
// logging
export { currentContext, type LogContext, runWithContext } from './logging/context.js';
export {
  type CreateLoggerOptions,
  createLogger,
  type LogDestination,
  type Logger,
  type PinoLogger,
} from './logging/logger.js';
export { NestLoggerAdapter } from './logging/nest-logger.js';
export { isSensitiveKey, maskEmails, REDACTED, redact } from './logging/redaction.js';
// metrics
export {
  type CounterMetric,
  type GaugeMetric,
  type HistogramMetric,
  type HistogramSpec,
  HTTP_REQUEST_DURATION,
  LATENCY_BUCKETS_SECONDS,
  type MetricLabels,
  type MetricSpec,
  type Metrics,
  PrometheusMetrics,
  type PrometheusMetricsOptions,
} from './metrics/metrics.js';
export { HttpLifecycle, PlatformModule, type PlatformModuleOptions } from './platform.module.js';
export { BROKER_HEALTH, METRICS, PLATFORM_LOGGER } from './tokens.js';
