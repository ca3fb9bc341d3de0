import { Env } from './env.js';
import {
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
  isIntegerInRange,
} from './rules.js';

/**
 * The config classes of the platform. A service composes the ones it needs with `loadConfig`
 * (or `bootstrapService`, which always adds `ServiceConfig`, `HttpConfig` and `LogConfig`).
 * docs/configuration.md lists every variable; a unit test keeps the two in step.
 */

export const NODE_ENVIRONMENTS = ['production', 'development', 'test'] as const;
export type NodeEnvironment = (typeof NODE_ENVIRONMENTS)[number];

const REGION_CODE = /^[a-z]{2}(?:-[a-z0-9]+)*$/;

/**
 * A region is inside the allowed residency when it is one of the allowed codes or a sub-region of one:
 * with `jp` allowed, `jp` and `jp-tokyo` are accepted, `us-east-1` is not.
 */
export function isRegionAllowed(region: string, allowed: readonly string[]): boolean {
  return allowed.some((code) => region === code || region.startsWith(`${code}-`));
}

export class ServiceConfig {
  @Env('SERVICE_NAME', {
    description:
      'Name in logs, metrics and the Kafka client id; defaults to the name the service starts with',
  })
  @IsServiceName()
  readonly name!: string;

  @Env('NODE_ENV', {
    default: 'production',
    description: 'production, development or test; outside production the Swagger UI is served at /docs',
  })
  @AsLowerCase()
  @IsOneOf(NODE_ENVIRONMENTS)
  readonly environment!: NodeEnvironment;

  @Env('DATA_RESIDENCY_ALLOWED', {
    default: 'jp',
    description:
      'Comma-separated region codes where the data may be stored (contract Art. 6(3): Japan). A sub-region such as jp-tokyo is inside jp',
  })
  @AsList({ lowerCase: true })
  @Check(
    (value) => Array.isArray(value) && value.length > 0 && value.every((code) => REGION_CODE.test(code)),
    'must be a comma-separated list of region codes such as jp',
  )
  readonly allowedRegions!: readonly string[];

  @Env('DATA_RESIDENCY_REGION', {
    description:
      'Region code where this deployment stores its data and backups (e.g. jp, jp-tokyo); the service refuses to start when it is outside DATA_RESIDENCY_ALLOWED',
  })
  @AsLowerCase()
  @Check(
    (value, config) =>
      typeof value === 'string' &&
      REGION_CODE.test(value) &&
      Array.isArray(config.allowedRegions) &&
      isRegionAllowed(value, config.allowedRegions as string[]),
    (value, config) =>
      typeof value === 'string' && REGION_CODE.test(value)
        ? `is outside the allowed data residency (${formatList(config.allowedRegions)}); the contract keeps data and backups there (Art. 6(3))`
        : 'must be a region code such as jp or jp-tokyo',
  )
  readonly dataResidencyRegion!: string;

  get isProduction(): boolean {
    return this.environment === 'production';
  }
}

function formatList(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : 'none';
}

export class HttpConfig {
  @Env('HTTP_HOST', {
    default: '127.0.0.1',
    description: 'Interface the HTTP server binds to; 0.0.0.0 in a container',
  })
  @IsHost()
  readonly host!: string;

  @Env('HTTP_PORT', { default: '3000', description: 'TCP port of the HTTP server (0 picks a free port)' })
  @AsInteger()
  @IsIntegerInRange(0, 65535)
  readonly port!: number;

  @Env('HTTP_BODY_LIMIT', {
    default: '100kb',
    description: 'Largest accepted request body (b, kb or mb; at most 50mb); larger bodies get 413',
  })
  @AsByteSize()
  @Check(
    (value) => isIntegerInRange(value, 1, 50 * 1024 * 1024),
    'must be a size such as 512kb or 1mb, between 1b and 50mb',
  )
  readonly bodyLimitBytes!: number;

  @Env('HTTP_SHUTDOWN_TIMEOUT_MS', {
    default: '10000',
    description: 'On SIGTERM, how long in-flight requests may take before their connections are closed',
  })
  @AsInteger()
  @IsIntegerInRange(0, 600_000)
  readonly shutdownTimeoutMs!: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class LogConfig {
  @Env('LOG_LEVEL', { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' })
  @AsLowerCase()
  @IsOneOf(LOG_LEVELS)
  readonly level!: LogLevel;
}

export class DatabaseConfig {
  @Env('DATABASE_URL', {
    secret: true,
    description: 'PostgreSQL connection URL, e.g. postgres://user:password@host:5432/leak_response',
  })
  @IsPostgresUrl()
  readonly url!: string;

  @Env('DB_POOL_SIZE', { default: '10', description: 'Connections in the pool of this service' })
  @AsInteger()
  @IsIntegerInRange(1, 100)
  readonly poolSize!: number;

  @Env('DB_SCHEMA', {
    description:
      "The service's own PostgreSQL schema; defaults to the service name with - replaced by _ (e.g. client_notifier)",
  })
  @IsSqlIdentifier()
  readonly schema!: string;

  @Env('DATABASE_MIGRATION_URL', {
    optional: true,
    secret: true,
    description:
      'PostgreSQL URL of the schema owner that runs the migrations at start-up; unset means DATABASE_URL migrates too',
  })
  @IsPostgresUrl()
  readonly migrationUrl?: string;

  @Env('DB_APP_ROLE', {
    optional: true,
    description:
      'The role DATABASE_URL logs in as, when it is not the owner: the migrations grant it DML on the schema, and only INSERT and SELECT on the access log',
  })
  @IsSqlIdentifier()
  readonly appRole?: string;
}

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

const saslConfigured = (config: object) =>
  (config as { saslMechanism?: unknown }).saslMechanism !== undefined;

export class KafkaConfig {
  @Env('KAFKA_BROKERS', {
    description: 'Comma-separated bootstrap brokers, host:port each (e.g. 127.0.0.1:9092)',
  })
  @AsList()
  @IsHostPortList()
  readonly brokers!: readonly string[];

  @Env('KAFKA_CLIENT_ID', {
    description: 'Client id the broker sees in its logs and quotas; defaults to the service name',
  })
  @IsToken()
  readonly clientId!: string;

  @Env('KAFKA_SSL', { default: 'false', description: 'Connect to the brokers over TLS' })
  @AsBoolean()
  @IsBooleanFlag()
  readonly ssl!: boolean;

  @Env('KAFKA_SASL_MECHANISM', {
    optional: true,
    description: 'plain, scram-sha-256 or scram-sha-512; unset means no SASL authentication',
  })
  @AsLowerCase()
  @IsOneOf(KAFKA_SASL_MECHANISMS)
  readonly saslMechanism?: KafkaSaslMechanism;

  @Env('KAFKA_SASL_USERNAME', {
    optional: true,
    secret: true,
    requiredWhen: { test: saslConfigured, reason: 'is required when KAFKA_SASL_MECHANISM is set' },
    description: 'SASL user name (required with KAFKA_SASL_MECHANISM)',
  })
  @IsNonEmptyText()
  readonly saslUsername?: string;

  @Env('KAFKA_SASL_PASSWORD', {
    optional: true,
    secret: true,
    requiredWhen: { test: saslConfigured, reason: 'is required when KAFKA_SASL_MECHANISM is set' },
    description: 'SASL password (required with KAFKA_SASL_MECHANISM)',
  })
  @IsNonEmptyText()
  readonly saslPassword?: string;
}

/** The config every HTTP service gets from `bootstrapService`, whatever else it asks for. */
export const PLATFORM_CONFIG_SHAPE = {
  service: ServiceConfig,
  http: HttpConfig,
  log: LogConfig,
} as const;

/** Service-dependent defaults: the service name, its schema (`client-notifier` → `client_notifier`) and Kafka client id. */
export function serviceDefaults(serviceName: string): Record<string, string> {
  return {
    SERVICE_NAME: serviceName,
    DB_SCHEMA: serviceName.replaceAll('-', '_'),
    KAFKA_CLIENT_ID: serviceName,
  };
}
