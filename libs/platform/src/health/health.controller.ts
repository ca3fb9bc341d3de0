import {
  Controller,
  Get,
  Inject,
  Injectable,
  type OnModuleInit,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { PublicRoute } from '../http/public-route.js';
import type { Logger } from '../logging/logger.js';
import { BROKER_HEALTH, PLATFORM_LOGGER, PLATFORM_OPTIONS } from '../tokens.js';
import {
  DEFAULT_READINESS_TIMEOUT_MS,
  isBrokerHealthSource,
  isDatabaseHealthSource,
  type ReadinessOptions,
  type ReadinessSource,
  singleFlight,
} from './readiness.js';

interface HealthModuleOptions {
  readonly readiness?: ReadinessOptions;
}

/**
 * The checks behind `/health/ready`, resolved once at start-up: a service that needs a database or a
 * broker and has not wired one fails to start instead of reporting ready without checking it.
 */
@Injectable()
export class ReadinessProbes implements OnModuleInit {
  private checks: HealthIndicatorFunction[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly indicators: HealthIndicatorService,
    @Inject(PLATFORM_OPTIONS) private readonly options: HealthModuleOptions,
  ) {}

  onModuleInit(): void {
    const readiness = this.options.readiness ?? {};
    const timeoutMs = readiness.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
    const database = this.resolve('database', readiness.database, DataSource, isDatabaseHealthSource);
    const broker = this.resolve('broker', readiness.broker, BROKER_HEALTH, isBrokerHealthSource);
    this.checks = [];
    if (database) {
      const probe = singleFlight(() => {
        if (database.isInitialized === false) return Promise.reject(new Error('not connected'));
        return database.query('SELECT 1');
      });
      this.checks.push(() => this.indicators.check('database').attempt(probe).withTimeout(timeoutMs));
    }
    if (broker) {
      const probe = singleFlight(() => broker.ping());
      this.checks.push(() => this.indicators.check('broker').attempt(probe).withTimeout(timeoutMs));
    }
  }

  get all(): HealthIndicatorFunction[] {
    return this.checks;
  }

  private resolve<T>(
    name: string,
    configured: ReadinessSource<T> | undefined,
    defaultToken: ReadinessSource<T>,
    isSource: (value: unknown) => value is T,
  ): T | undefined {
    const source = configured === undefined ? defaultToken : configured;
    if (source === false) return undefined;
    if (isSource(source)) return source;
    let found: unknown;
    try {
      found = this.moduleRef.get(source, { strict: false });
    } catch {
      found = undefined;
    }
    if (!isSource(found)) {
      throw new Error(
        `Readiness cannot check the ${name}: nothing usable is provided under ${String(
          typeof source === 'function' ? source.name : source,
        )}. Provide it, pass readiness.${name} to PlatformModule.forRoot, or set readiness.${name} to false if the service has no ${name}.`,
      );
    }
    return found;
  }
}

/**
 * `/health/live`: the process is up and serving HTTP (no dependency is checked, so a database outage
 * never gets the pod restarted). `/health/ready`: database and broker answer within the timeout;
 * 503 with the failing check otherwise, and during shutdown.
 */
@ApiTags('operations')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly probes: ReadinessProbes,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'The process is up.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Every dependency answered.' })
  @ApiServiceUnavailableResponse({
    description: 'A dependency did not answer, or the service is shutting down.',
  })
  async ready(
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.probes.all);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const failed = Object.entries(result.error ?? {});
      this.logger.warn(
        {
          status: result.status,
          failed: failed.map(([check]) => check),
          reasons: Object.fromEntries(failed.map(([check, outcome]) => [check, outcome?.message ?? 'down'])),
        },
        'readiness check failed',
      );
      response.status(503);
      return result;
    }
  }
}
