import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, summarizeConfig } from './load-config.js';
import {
  DatabaseConfig,
  HttpConfig,
  KafkaConfig,
  LogConfig,
  PLATFORM_CONFIG_SHAPE,
  ServiceConfig,
  serviceDefaults,
} from './platform-config.js';

const SECRET_PASSWORD = 's3cr3t-Pa55';

/** A complete, valid environment; each test breaks one thing. */
const validEnv = (): Record<string, string | undefined> => ({
  SERVICE_NAME: 'intake',
  DATA_RESIDENCY_REGION: 'jp',
  DATABASE_URL: `postgres://app:${SECRET_PASSWORD}@db.internal:5432/leak_response`,
  DB_SCHEMA: 'intake',
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_CLIENT_ID: 'intake',
});

const fullShape = { ...PLATFORM_CONFIG_SHAPE, database: DatabaseConfig, kafka: KafkaConfig };

function problemsOf(env: Record<string, string | undefined>, shape: object = fullShape) {
  try {
    loadConfig(shape as typeof fullShape, { env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function problemFor(variable: string, env: Record<string, string | undefined>) {
  const found = problemsOf(env).find((problem) => problem.variable === variable);
  if (!found) throw new Error(`no problem reported for ${variable}`);
  return found.reason;
}

describe('loadConfig', () => {
  it('loads a valid environment into typed values, applying the declared defaults', () => {
    const config = loadConfig(fullShape, { env: validEnv() });

    expect(config.service).toBeInstanceOf(ServiceConfig);
    expect(config.service.name).toBe('intake');
    expect(config.service.environment).toBe('production');
    expect(config.service.isProduction).toBe(true);
    expect(config.service.allowedRegions).toEqual(['jp']);
    expect(config.http).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      bodyLimitBytes: 100 * 1024,
      shutdownTimeoutMs: 10_000,
    });
    expect(config.log.level).toBe('info');
    expect(config.database).toMatchObject({ poolSize: 10, schema: 'intake' });
    expect(config.kafka).toMatchObject({ brokers: ['127.0.0.1:9092'], ssl: false, saslMechanism: undefined });
  });

  it('parses integers, lists, booleans and sizes', () => {
    const config = loadConfig(fullShape, {
      env: {
        ...validEnv(),
        HTTP_PORT: '8080',
        HTTP_BODY_LIMIT: '2mb',
        DB_POOL_SIZE: '25',
        KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9093 ,[::1]:9094',
        KAFKA_SSL: 'yes',
        LOG_LEVEL: 'DEBUG',
        NODE_ENV: 'development',
      },
    });
    expect(config.http.port).toBe(8080);
    expect(config.http.bodyLimitBytes).toBe(2 * 1024 * 1024);
    expect(config.database.poolSize).toBe(25);
    expect(config.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9093', '[::1]:9094']);
    expect(config.kafka.ssl).toBe(true);
    expect(config.log.level).toBe('debug');
    expect(config.service.isProduction).toBe(false);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ log: LogConfig }, { env: { LOG_LEVEL: '' } });
    expect(config.log.level).toBe('info');
    expect(problemFor('DATABASE_URL', { ...validEnv(), DATABASE_URL: '  ' })).toBe('is required but not set');
  });

  it('returns frozen config objects', () => {
    const config = loadConfig({ log: LogConfig }, { env: {} });
    expect(Object.isFrozen(config.log)).toBe(true);
  });

  it('reports every problem at once, each by variable name', () => {
    const error = (() => {
      try {
        loadConfig(fullShape, { env: { HTTP_PORT: 'eighty' } });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect(error.problems.map((problem) => problem.variable).sort()).toEqual(
      [
        'DATABASE_URL',
        'DATA_RESIDENCY_REGION',
        'DB_SCHEMA',
        'HTTP_PORT',
        'KAFKA_BROKERS',
        'KAFKA_CLIENT_ID',
        'SERVICE_NAME',
      ].sort(),
    );
    expect(error.message).toContain('Invalid configuration (7 problems):');
    expect(error.message).toContain('  KAFKA_BROKERS: is required but not set');
    expect(error.message).toContain('  HTTP_PORT: must be an integer between 0 and 65535 (got "eighty")');
  });

  it('uses service-dependent defaults below the environment and above declared defaults', () => {
    const env = validEnv();
    delete env.SERVICE_NAME;
    delete env.DB_SCHEMA;
    delete env.KAFKA_CLIENT_ID;
    const config = loadConfig(fullShape, { env, defaults: serviceDefaults('client-notifier') });
    expect(config.service.name).toBe('client-notifier');
    expect(config.database.schema).toBe('client_notifier');
    expect(config.kafka.clientId).toBe('client-notifier');

    const overridden = loadConfig(fullShape, {
      env: { ...env, DB_SCHEMA: 'notifier_v2' },
      defaults: serviceDefaults('client-notifier'),
    });
    expect(overridden.database.schema).toBe('notifier_v2');
  });

  describe('rules, one by one', () => {
    const cases: Array<[variable: string, value: string, reason: string]> = [
      ['SERVICE_NAME', 'Intake Service', 'must be lower-case letters, digits and -, starting with a letter'],
      ['NODE_ENV', 'staging', 'must be one of: production, development, test'],
      ['DATA_RESIDENCY_REGION', 'Japan!', 'must be a region code such as jp or jp-tokyo'],
      ['DATA_RESIDENCY_ALLOWED', 'jp,!!', 'must be a comma-separated list of region codes such as jp'],
      ['HTTP_HOST', 'not a host', 'must be a host name or IP address'],
      ['HTTP_PORT', '70000', 'must be an integer between 0 and 65535'],
      ['HTTP_PORT', '3000.5', 'must be an integer between 0 and 65535'],
      ['HTTP_BODY_LIMIT', '10gb', 'must be a size such as 512kb or 1mb, between 1b and 50mb'],
      ['HTTP_BODY_LIMIT', '51mb', 'must be a size such as 512kb or 1mb, between 1b and 50mb'],
      ['HTTP_SHUTDOWN_TIMEOUT_MS', '-1', 'must be an integer between 0 and 600000'],
      ['LOG_LEVEL', 'verbose', 'must be one of: fatal, error, warn, info, debug, trace, silent'],
      ['DATABASE_URL', 'mysql://db/x', 'must be a postgres:// or postgresql:// URL with a host'],
      ['DATABASE_URL', 'not a url', 'must be a postgres:// or postgresql:// URL with a host'],
      ['DB_POOL_SIZE', '0', 'must be an integer between 1 and 100'],
      ['DB_SCHEMA', 'Intake-Schema', 'must be a lower-case SQL identifier'],
      ['KAFKA_BROKERS', 'localhost', 'must be a comma-separated list of host:port'],
      ['KAFKA_BROKERS', 'kafka:9092,kafka:99999', 'must be a comma-separated list of host:port'],
      ['KAFKA_BROKERS', ',', 'must be a comma-separated list of host:port'],
      ['KAFKA_CLIENT_ID', 'has spaces', 'must be 1 to 100 characters of letters, digits, ., _ and -'],
      ['KAFKA_SSL', 'maybe', 'must be true or false'],
      ['KAFKA_SASL_MECHANISM', 'kerberos', 'must be one of: plain, scram-sha-256, scram-sha-512'],
    ];

    it.each(cases)('%s=%j is rejected: %s', (variable, value, reason) => {
      expect(problemFor(variable, { ...validEnv(), [variable]: value })).toContain(reason);
    });

    it.each(['DATABASE_URL', 'KAFKA_BROKERS', 'DATA_RESIDENCY_REGION', 'SERVICE_NAME', 'DB_SCHEMA'])(
      '%s is required',
      (variable) => {
        const env = validEnv();
        delete env[variable];
        expect(problemsOf(env)).toEqual([{ variable, reason: 'is required but not set' }]);
      },
    );
  });

  describe('data residency (contract Art. 6(3))', () => {
    it('accepts the allowed region and its sub-regions', () => {
      for (const region of ['jp', 'JP', 'jp-tokyo', 'jp-osaka-1']) {
        const config = loadConfig(
          { service: ServiceConfig },
          { env: { ...validEnv(), DATA_RESIDENCY_REGION: region } },
        );
        expect(config.service.dataResidencyRegion).toBe(region.toLowerCase());
      }
    });

    it('refuses a region outside the allowed list, naming the allowed regions', () => {
      expect(problemFor('DATA_RESIDENCY_REGION', { ...validEnv(), DATA_RESIDENCY_REGION: 'us-east-1' })).toBe(
        'is outside the allowed data residency (jp); the contract keeps data and backups there (Art. 6(3)) (got "us-east-1")',
      );
      // a cloud provider's region name is not a residency code, even when the data centre is in Japan
      expect(
        problemFor('DATA_RESIDENCY_REGION', { ...validEnv(), DATA_RESIDENCY_REGION: 'ap-northeast-1' }),
      ).toContain('is outside the allowed data residency (jp)');
      expect(problemFor('DATA_RESIDENCY_REGION', { ...validEnv(), DATA_RESIDENCY_REGION: 'jpn' })).toContain(
        'must be a region code such as jp or jp-tokyo',
      );
    });

    it('follows a deployment-specific allowed list', () => {
      const env = { ...validEnv(), DATA_RESIDENCY_ALLOWED: 'jp, eu-de', DATA_RESIDENCY_REGION: 'eu-de-1' };
      expect(loadConfig({ service: ServiceConfig }, { env }).service.allowedRegions).toEqual(['jp', 'eu-de']);
    });
  });

  describe('SASL', () => {
    it('requires user name and password once a mechanism is set', () => {
      const problems = problemsOf({ ...validEnv(), KAFKA_SASL_MECHANISM: 'scram-sha-512' });
      expect(problems).toEqual([
        { variable: 'KAFKA_SASL_USERNAME', reason: 'is required when KAFKA_SASL_MECHANISM is set' },
        { variable: 'KAFKA_SASL_PASSWORD', reason: 'is required when KAFKA_SASL_MECHANISM is set' },
      ]);
    });

    it('loads a complete SASL setting', () => {
      const config = loadConfig(
        { kafka: KafkaConfig },
        {
          env: {
            ...validEnv(),
            KAFKA_SASL_MECHANISM: 'PLAIN',
            KAFKA_SASL_USERNAME: 'svc',
            KAFKA_SASL_PASSWORD: SECRET_PASSWORD,
          },
        },
      );
      expect(config.kafka).toMatchObject({ saslMechanism: 'plain', saslUsername: 'svc' });
    });
  });

  describe('secrets', () => {
    it('never quotes a secret value in an error', () => {
      const error = (() => {
        try {
          loadConfig(fullShape, {
            env: { ...validEnv(), DATABASE_URL: `mysql://u:${SECRET_PASSWORD}@db/x` },
          });
        } catch (caught) {
          return caught as ConfigError;
        }
        throw new Error('expected a ConfigError');
      })();
      expect(error.message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL with a host');
      expect(error.message).not.toContain(SECRET_PASSWORD);
      expect(JSON.stringify(error.problems)).not.toContain(SECRET_PASSWORD);
    });

    it('summarizes secrets as <set> or <missing> and other values as they are', () => {
      const env = validEnv();
      const summary = summarizeConfig(fullShape, { env });
      expect(summary.DATABASE_URL).toBe('<set>');
      expect(summary.KAFKA_SASL_PASSWORD).toBe('<missing>');
      expect(summary.KAFKA_BROKERS).toBe('127.0.0.1:9092');
      expect(summary.LOG_LEVEL).toBe('info');
      expect(JSON.stringify(summary)).not.toContain(SECRET_PASSWORD);
    });
  });

  it('quotes long malformed values only in part', () => {
    const reason = problemFor('KAFKA_BROKERS', { ...validEnv(), KAFKA_BROKERS: 'x'.repeat(200) });
    expect(reason.length).toBeLessThan(140);
    expect(reason).toContain('…');
  });

  it('checks each class on its own terms (HttpConfig alone needs nothing)', () => {
    expect(loadConfig({ http: HttpConfig }, { env: {} }).http.port).toBe(3000);
  });
});
