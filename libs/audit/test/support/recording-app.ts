import type { IncomingMessage } from 'node:http';
import {
  Controller,
  ForbiddenException,
  Get,
  Module,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { createServiceApp, DatabaseConfig, type ServiceApp, ServiceDatabaseModule } from '#libs/platform';
import { testConfig } from '#libs/testing';
import { AccessKind } from '../../src/access-kind.decorator.js';
import { AccessLogModule } from '../../src/access-log.module.js';
import type { AccessActor } from '../../src/access-record.js';
import { auditMigrations } from '../../src/migrations.js';

export const KNOWN_CASE = '0190a5b2-1111-7000-8000-000000000001';

/** Routes of every kind the access log must tell apart. */
@Controller()
class RecordedController {
  @Get('cases/:caseId')
  readCase(@Param('caseId') caseId: string) {
    if (caseId !== KNOWN_CASE) throw new NotFoundException();
    return { caseId, summary: 'case data' };
  }

  @Post('cases/:caseId/notes')
  writeNote(@Param('caseId') caseId: string) {
    return { caseId, noted: true };
  }

  @Get('reports/export')
  @AccessKind('export')
  exportReport() {
    return { rows: [] };
  }

  @Get('things')
  things() {
    return { things: [] };
  }

  @Get('forbidden')
  forbidden() {
    throw new ForbiddenException();
  }

  @Get('unauthenticated')
  unauthenticated() {
    throw new UnauthorizedException();
  }
}

/**
 * The actor of a test request, from `X-Test-Actor: <id>;<role,role>;<orgId>` (a stand-in for the
 * principal libs/auth attaches, so these tests exercise the log, not authentication).
 */
export function testActorOf(request: IncomingMessage): AccessActor | undefined {
  const header = request.headers['x-test-actor'];
  if (typeof header !== 'string') return undefined;
  const [id, roles, orgId] = header.split(';');
  return { id, type: 'user', roles: roles ? roles.split(',') : [], orgId };
}

export interface RecordingAppOptions {
  schema: string;
  flushIntervalMs?: number;
}

export async function startRecordingApp(
  options: RecordingAppOptions,
): Promise<ServiceApp<{ database: typeof DatabaseConfig }>> {
  @Module({
    imports: [
      ServiceDatabaseModule.forRoot({ migrations: (schema, context) => auditMigrations(schema, context) }),
      AccessLogModule.forService({ actorOf: testActorOf, flushIntervalMs: options.flushIntervalMs }),
    ],
    controllers: [RecordedController],
  })
  class RecordingModule {}

  const service = await createServiceApp(RecordingModule, {
    name: 'recorded',
    config: { database: DatabaseConfig },
    readiness: { broker: false },
    env: {
      DATABASE_URL: testConfig().databaseUrl,
      DB_SCHEMA: options.schema,
      DATA_RESIDENCY_REGION: 'jp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HTTP_BODY_LIMIT: '1kb',
    },
    // A limiter in the hardening hook: refuses before routing, as express-rate-limit does.
    configureHttp: (app) => {
      app.use('/limited', (_request: IncomingMessage, response: import('node:http').ServerResponse) => {
        response.statusCode = 429;
        response.setHeader('Retry-After', '60');
        response.end('{"error":{"status":429,"code":"rate_limited"}}');
      });
    },
  });
  await service.app.init();
  return service;
}

export interface AccessRow {
  id: string;
  service: string;
  actor_id: string | null;
  actor_type: string;
  roles: string[];
  org_id: string | null;
  method: string;
  route: string;
  case_id: string | null;
  status: number;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  outcome: string;
  kind: string;
}

export async function accessRows(dataSource: DataSource, schema: string): Promise<AccessRow[]> {
  return dataSource.query(`SELECT * FROM "${schema}".access_log ORDER BY id`);
}
