import { Body, Controller, Get, HttpCode, Module, Param, Post } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import {
  AuthConfig,
  Authenticated,
  AuthModule,
  assertCaseVisible,
  type Clock,
  CurrentActor,
  CurrentPrincipal,
  hardenHttp,
  type Principal,
  Public,
  Roles,
} from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { createServiceApp, DatabaseConfig, ServiceDatabaseModule } from '#libs/platform';
import { authEnv, type TestKeys, testConfig } from '#libs/testing';

class NoteDto {
  @IsOptional()
  @IsString()
  text?: string;

  @IsOptional()
  @IsString()
  _csrf?: string;
}

/** A case → contract table for the probe: case `c-a` belongs to contract `contract-a`, etc. */
export const PROBE_CASES: Readonly<Record<string, string>> = { 'c-a': 'contract-a', 'c-b': 'contract-b' };

/** Routes exercising every access rule, for the guard's tests. */
@Controller('probe')
export class ProbeController {
  @Get('public')
  @Public()
  open() {
    return { ok: true };
  }

  @Get('me')
  @Authenticated()
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id, roles: principal.roles, contracts: principal.contracts };
  }

  @Get('cases/:caseId')
  @Authenticated()
  readCase(@Param('caseId') caseId: string, @CurrentPrincipal() principal: Principal) {
    assertCaseVisible(principal, PROBE_CASES[caseId], caseId);
    return { caseId };
  }

  @Post('notes')
  @HttpCode(201)
  @Roles('responder', 'responsible')
  write(@Body() body: NoteDto, @CurrentActor() actor: Actor) {
    return { written: body.text ?? null, actor };
  }

  @Get('unruled')
  unruled() {
    return { reachable: true };
  }
}

@Module({ imports: [], controllers: [ProbeController] })
class ProbeRoutesModule {}

export interface ProbeAppOptions {
  readonly keys: TestKeys;
  /** schema holding identity's tables */
  readonly identitySchema: string;
  /** the probe's own schema (its DataSource) */
  readonly schema: string;
  readonly clock?: Clock;
  readonly env?: Record<string, string>;
  readonly rateLimit?: { path: string; limit: number; windowMs: number };
  /** receives the service's log lines (JSON) */
  readonly logDestination?: { write(line: string): unknown };
}

/** A platform service with libs/auth and the hardening hook, around the probe routes. */
export async function createProbeApp(options: ProbeAppOptions) {
  @Module({
    imports: [
      AuthModule.forService({ clock: options.clock }),
      ServiceDatabaseModule.forRoot({ migrations: () => [] }),
      ProbeRoutesModule,
    ],
  })
  class ProbeAppModule {}

  const service = await createServiceApp(ProbeAppModule, {
    name: 'probe',
    config: { database: DatabaseConfig, auth: AuthConfig },
    readiness: { broker: false },
    logDestination: options.logDestination,
    env: {
      ...authEnv(options.keys, options.identitySchema),
      DATABASE_URL: testConfig().databaseUrl,
      DB_SCHEMA: options.schema,
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ...options.env,
    },
    configureHttp: (app, config) =>
      hardenHttp(app, {
        auth: config.auth,
        rateLimits: options.rateLimit ? [options.rateLimit] : [],
      }),
  });
  await service.app.init();
  return service;
}
