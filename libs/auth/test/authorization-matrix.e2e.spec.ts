import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthConfig, declaredRoutes, type Principal, ROLES, type Role } from '#libs/auth';
import { createServiceApp, DatabaseConfig, KafkaConfig, type ServiceApp } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import {
  authEnv,
  createTestDataSource,
  dropSchema,
  generateTestKeys,
  sealingEnv,
  signAccessToken,
  type TestKeys,
  testConfig,
  testPrincipal,
  uniqueName,
} from '#libs/testing';
import { ClientNotifierModule } from '../../../apps/client-notifier/src/client-notifier.module.js';
import { clientNotifierServiceOptions } from '../../../apps/client-notifier/src/client-notifier.service.js';
import { IdentityModule } from '../../../apps/identity/src/identity.module.js';
import { identityServiceOptions } from '../../../apps/identity/src/identity.service.js';
import { IntakeModule } from '../../../apps/intake/src/intake.module.js';
import { PublisherModule } from '../../../apps/publisher/src/publisher.module.js';
import { publisherServiceOptions } from '../../../apps/publisher/src/publisher.service.js';
import { SubjectNotifierModule } from '../../../apps/subject-notifier/src/subject-notifier.module.js';
import { subjectNotifierServiceOptions } from '../../../apps/subject-notifier/src/subject-notifier.service.js';
import { CaseProjection } from '../../../apps/timeline/src/projection/case-projection.js';
import { TimelineConfig } from '../../../apps/timeline/src/timeline.config.js';
import { TimelineModule } from '../../../apps/timeline/src/timeline.module.js';

/**
 * The authorisation matrix: every route every service serves (read from the running Express router,
 * so a new route appears here by itself) × every role × { own tenant, other tenant } plus anonymous,
 * each asserted against the rules table below. A route missing from the table, or a controller route
 * without an access rule, fails the test. One boot per service, all in this process.
 */

type ServiceName = 'intake' | 'timeline' | 'identity' | 'publisher' | 'client-notifier' | 'subject-notifier';
type Access = 'public' | 'authenticated' | readonly Role[];
/** What the route touches of a tenant: a case named in the path, a contract named in the body, or nothing. */
type Tenancy = 'case' | 'contract' | 'none';

interface Target {
  /** the case id for `:caseId` (own tenant's, or the other tenant's) */
  readonly caseId: string;
  /** the contract id a body names (own tenant's, or the other tenant's) */
  readonly contractId: string;
}

interface RouteRule {
  readonly access: Access;
  readonly tenancy: Tenancy;
  /** the status an admitted caller gets (for the request below; an empty body where one is needed) */
  readonly admitted: number;
  /** the path with its parameters filled in */
  readonly path?: (target: Target) => string;
  readonly body?: (target: Target) => object;
  /** served by Express outside Nest's router (OpenAPI document, Swagger UI): no guard runs */
  readonly outsideNest?: true;
  /**
   * For a public route that answers by who is calling (a server-rendered page): the status per scenario,
   * instead of `admitted` for everyone.
   */
  readonly publicAnswer?: (scenario: Scenario) => number;
}

const REPORTERS: readonly Role[] = ['reporter', 'responder', 'responsible'];
const ANY_UUID = '0190a5b2-0000-7000-8000-00000000abcd';

const report = (target: Target) => ({
  contractId: target.contractId,
  discoveredAt: '2026-11-20T08:30:00.000Z',
  dataKinds: ['name'],
  description: 'a leak for the authorization matrix',
  persons: { precision: 'exact', value: 3 },
  records: { precision: 'unknown' },
});

const publicRoute = (admitted = 200): RouteRule => ({ access: 'public', tenancy: 'none', admitted });
const swagger: RouteRule = { ...publicRoute(), outsideNest: true };
const admin = (admitted: number, path?: RouteRule['path'], body?: RouteRule['body']): RouteRule => ({
  access: ['admin'],
  tenancy: 'none',
  admitted,
  path,
  body,
});
const adminOrAuditor = (admitted: number, path?: RouteRule['path']): RouteRule => ({
  access: ['admin', 'auditor'],
  tenancy: 'none',
  admitted,
  path,
});

/** A subject-notifier route under `/cases/:caseId` (the suffix after it). */
const subjectsCase = (
  access: RouteRule['access'],
  admitted: number,
  suffix: string,
  body?: RouteRule['body'],
): RouteRule => ({ access, tenancy: 'case', admitted, path: (t) => `/cases/${t.caseId}${suffix}`, body });

/** Routes served by every platform service. */
const PLATFORM_ROUTES: Record<string, RouteRule> = {
  'GET /health/live': publicRoute(),
  'GET /health/ready': publicRoute(),
  'GET /metrics': publicRoute(),
  'GET /openapi.json': swagger,
  'GET /docs': swagger,
  'GET /docs/': swagger,
  'GET /docs/index.html': swagger,
  // swagger-ui-dist ships without its LICENSE file: the route answers 404 to everyone
  'GET /docs/LICENSE': { ...swagger, admitted: 404 },
  'GET /docs/swagger-ui-init.js': swagger,
  'GET /docs/docs/swagger-ui-init.js': swagger,
};

/** The rules table, by service and `METHOD /template`. */
const RULES: Record<ServiceName, Record<string, RouteRule>> = {
  intake: {
    ...PLATFORM_ROUTES,
    'POST /cases': { access: REPORTERS, tenancy: 'contract', admitted: 201, body: report },
    // The report form's pages are public so that a signed-out browser gets its form back (not a bare 401);
    // signed in, only the contractor's staff may report. An empty post is a form with every problem (400).
    'GET /report': {
      ...publicRoute(),
      publicAnswer: (s) => (s.kind === 'anonymous' || REPORTERS.includes(s.role) ? 200 : 403),
    },
    'POST /report': {
      ...publicRoute(),
      publicAnswer: (s) => (s.kind === 'anonymous' ? 401 : REPORTERS.includes(s.role) ? 400 : 403),
    },
    'GET /report/assets/form.css': publicRoute(),
    'GET /report/assets/draft.js': publicRoute(),
    // scoped by filtering: another tenant's cases are simply not listed (report-and-list.e2e.spec.ts)
    'GET /cases': { access: 'authenticated', tenancy: 'none', admitted: 200 },
    'GET /cases/:caseId': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}`,
    },
    // without If-Match: refused as invalid input (`if_match_required`), after the tenancy check
    'POST /cases/:caseId/amendments': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 400,
      path: (t) => `/cases/${t.caseId}/amendments`,
    },
    'POST /cases/:caseId/closure': {
      access: ['responder', 'responsible'],
      tenancy: 'case',
      admitted: 400,
      path: (t) => `/cases/${t.caseId}/closure`,
    },
    // steps on an instruction or measure the case does not have: 404 after the tenancy check
    'POST /cases/:caseId/instructions/:instructionId/acknowledgement': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/instructions/${ANY_UUID}/acknowledgement`,
    },
    'POST /cases/:caseId/instructions/:instructionId/confirmation': {
      access: ['client_officer'],
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/instructions/${ANY_UUID}/confirmation`,
    },
    // the routes that carry free text, with a valid text (sealed with the case key once admitted)
    'POST /cases/:caseId/measures': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 201,
      path: (t) => `/cases/${t.caseId}/measures`,
      body: () => ({ description: 'matrix measure' }),
    },
    'POST /cases/:caseId/instructions': {
      access: ['client_officer'],
      tenancy: 'case',
      admitted: 201,
      path: (t) => `/cases/${t.caseId}/instructions`,
      body: () => ({ kind: 'contain', text: 'matrix instruction' }),
    },
    'POST /cases/:caseId/instructions/:instructionId/progress': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/instructions/${ANY_UUID}/progress`,
      body: () => ({ note: 'matrix progress' }),
    },
    'POST /cases/:caseId/instructions/:instructionId/completion': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/instructions/${ANY_UUID}/completion`,
      body: () => ({ evidenceNote: 'matrix evidence' }),
    },
    'POST /cases/:caseId/instructions/:instructionId/reopening': {
      access: ['client_officer'],
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/instructions/${ANY_UUID}/reopening`,
      body: () => ({ reason: 'matrix reason' }),
    },
    'POST /cases/:caseId/cause': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/cause`,
      body: () => ({ cause: 'matrix cause' }),
    },
    'POST /cases/:caseId/measures/:measureId/completion': {
      access: REPORTERS,
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/measures/${ANY_UUID}/completion`,
    },
  },
  timeline: {
    ...PLATFORM_ROUTES,
    'GET /cases/:caseId/events': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/events`,
    },
    // the case list is filtered by the caller's contracts (never a 404)
    'GET /cases': { access: 'authenticated', tenancy: 'none', admitted: 200 },
    'GET /cases/:caseId': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}`,
    },
    'GET /cases/:caseId/picture.svg': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/picture.svg`,
    },
    'GET /cases/:caseId/picture': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/picture`,
    },
    'GET /cases/:caseId/audit-export': {
      access: ['responsible', 'client_officer', 'auditor', 'admin'],
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/audit-export`,
    },
    'GET /contracts/:contractId/clock-settings': {
      access: ['responsible', 'responder', 'client_officer', 'auditor', 'admin'],
      tenancy: 'contract',
      admitted: 200,
      path: (t) => `/contracts/${t.contractId}/clock-settings`,
    },
    // an empty change: nothing changes, the settings in force come back
    'PUT /contracts/:contractId/clock-settings': {
      access: ['responsible', 'admin'],
      tenancy: 'contract',
      admitted: 200,
      path: (t) => `/contracts/${t.contractId}/clock-settings`,
    },
  },
  publisher: {
    ...PLATFORM_ROUTES,
    // the public pages: deliberately public (a published statement is for everyone); a slug that names
    // no published statement (a draft has none) answers 404 to everyone
    'GET /statements': publicRoute(),
    'GET /statements/feed.atom': publicRoute(),
    'GET /statements/assets/statement.css': publicRoute(),
    'GET /statements/:slug': { ...publicRoute(404), path: () => '/statements/no-such-statement' },
    'POST /cases/:caseId/statements': {
      access: ['responder', 'responsible'],
      tenancy: 'case',
      admitted: 201,
      path: (t) => `/cases/${t.caseId}/statements`,
    },
    'GET /cases/:caseId/statements': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/statements`,
    },
    // a statement the case does not have: 404 after the tenancy check (valid bodies, so the DTOs pass)
    ...publisherStatementRoutes(),
    'POST /cases/:caseId/regulator-reports': {
      access: ['responder', 'responsible'],
      tenancy: 'case',
      admitted: 201,
      path: (t) => `/cases/${t.caseId}/regulator-reports`,
      body: () => ({ kind: 'ppc_preliminary' }),
    },
    'GET /cases/:caseId/regulator-reports/:reportId': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/regulator-reports/${ANY_UUID}`,
    },
    'GET /cases/:caseId/regulator-reports/:reportId/text': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/regulator-reports/${ANY_UUID}/text`,
    },
    'GET /cases/:caseId/regulator-reports/:reportId/html': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/regulator-reports/${ANY_UUID}/html`,
    },
    'POST /cases/:caseId/regulator-reports/:reportId/submission': {
      access: ['responder', 'responsible'],
      tenancy: 'case',
      admitted: 404,
      path: (t) => `/cases/${t.caseId}/regulator-reports/${ANY_UUID}/submission`,
      body: () => ({ submittedAt: '2026-11-20T08:30:00.000Z', referenceNumber: 'MATRIX-1' }),
    },
  },
  'client-notifier': {
    ...PLATFORM_ROUTES,
    // the acknowledgement link's page: public (the signed link is the credential); a bogus token is refused
    'GET /acknowledgements/:token': { ...publicRoute(403), path: () => '/acknowledgements/not-a-token' },
    'POST /acknowledgements/:token': { ...publicRoute(403), path: () => '/acknowledgements/not-a-token' },
    // the client officer confirms receipt of the own case (once: the matrix admits one caller)
    'POST /cases/:caseId/acknowledgement': {
      access: ['client_officer'],
      tenancy: 'case',
      admitted: 201,
      path: (t) => `/cases/${t.caseId}/acknowledgement`,
    },
    'GET /cases/:caseId/correspondence': {
      access: 'authenticated',
      tenancy: 'case',
      admitted: 200,
      path: (t) => `/cases/${t.caseId}/correspondence`,
    },
    // the matrix's contracts exist only in its tokens, not in identity's table: 404 after the tenancy check
    'GET /contracts/:contractId/notification-settings': {
      access: ['responsible', 'admin'],
      tenancy: 'contract',
      admitted: 404,
      path: (t) => `/contracts/${t.contractId}/notification-settings`,
    },
    'PUT /contracts/:contractId/notification-settings': {
      access: ['responsible', 'admin'],
      tenancy: 'contract',
      admitted: 404,
      path: (t) => `/contracts/${t.contractId}/notification-settings`,
      body: () => ({ ackWaitMinutes: 30, escalationIntervalMinutes: 30, updateMode: 'immediate' }),
    },
  },
  'subject-notifier': {
    ...PLATFORM_ROUTES,
    // a JSON body where a CSV is expected: refused as the wrong media type once the case is visible
    'POST /cases/:caseId/imports': subjectsCase(['responder', 'responsible'], 415, '/imports'),
    'GET /cases/:caseId/imports/:importId': subjectsCase(
      ['responder', 'responsible', 'auditor'],
      404,
      `/imports/${ANY_UUID}`,
    ),
    'POST /cases/:caseId/imports/:importId/confirmation': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/imports/${ANY_UUID}/confirmation`,
    ),
    'GET /cases/:caseId/persons': subjectsCase(['responder', 'responsible', 'auditor'], 200, '/persons'),
    // no instruction of that id on the case: refused (422) once the case is visible
    'POST /cases/:caseId/campaigns': subjectsCase(['responder', 'responsible'], 422, '/campaigns', () => ({
      instructionId: 'matrix-instruction',
      templateId: ANY_UUID,
    })),
    'GET /cases/:caseId/campaigns': subjectsCase('authenticated', 200, '/campaigns'),
    'GET /cases/:caseId/campaigns/:campaignId': subjectsCase('authenticated', 404, `/campaigns/${ANY_UUID}`),
    'GET /cases/:caseId/campaigns/:campaignId/progress': subjectsCase(
      'authenticated',
      404,
      `/campaigns/${ANY_UUID}/progress`,
    ),
    'POST /cases/:caseId/campaigns/:campaignId/pause': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/pause`,
    ),
    'POST /cases/:caseId/campaigns/:campaignId/resume': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/resume`,
    ),
    'POST /cases/:caseId/campaigns/:campaignId/cancellation': subjectsCase(
      ['responsible'],
      404,
      `/campaigns/${ANY_UUID}/cancellation`,
    ),
    'POST /cases/:caseId/campaigns/:campaignId/bounces': subjectsCase(
      ['responder', 'responsible', 'admin'],
      404,
      `/campaigns/${ANY_UUID}/bounces`,
      () => ({ messageId: '<matrix@example.jp>', reason: 'matrix' }),
    ),
    'GET /cases/:caseId/campaigns/:campaignId/delivery-report': subjectsCase(
      ['auditor', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/delivery-report`,
    ),
    'GET /cases/:caseId/campaigns/:campaignId/letters': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/letters`,
    ),
    'GET /cases/:caseId/campaigns/:campaignId/letters/print': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/letters/print`,
    ),
    'POST /cases/:caseId/campaigns/:campaignId/letters': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/letters`,
      () => ({ references: ['P000001'], postedAt: '2026-11-20T08:30:00.000Z' }),
    ),
    'GET /cases/:caseId/campaigns/:campaignId/calls': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/calls`,
    ),
    'POST /cases/:caseId/campaigns/:campaignId/calls': subjectsCase(
      ['responder', 'responsible'],
      404,
      `/campaigns/${ANY_UUID}/calls`,
      () => ({ reference: 'P000001', calledAt: '2026-11-20T08:30:00.000Z', result: 'reached' }),
    ),
    'POST /cases/:caseId/campaigns/:campaignId/public-notice': subjectsCase(
      ['responsible'],
      404,
      `/campaigns/${ANY_UUID}/public-notice`,
      () => ({ url: 'https://example.jp/notice', postedAt: '2026-11-20T08:30:00.000Z' }),
    ),
    // the own case's persons (none) are erased by the responsible person; a repeat answers the same certificate
    'POST /cases/:caseId/erasure': subjectsCase(['responsible'], 201, '/erasure', () => ({
      reason: 'matrix',
    })),
    // checked after the erasure above (routes are checked in the router's order)
    'GET /cases/:caseId/erasure': subjectsCase('authenticated', 200, '/erasure'),
  },
  identity: {
    ...PLATFORM_ROUTES,
    'GET /.well-known/jwks.json': publicRoute(),
    // sign-in with an empty body: refused as invalid input
    'POST /auth/login': publicRoute(400),
    // no API token and no session: nothing to exchange
    'POST /auth/token': publicRoute(401),
    // the matrix's principals are token-only test users without an account row
    'GET /auth/me': { access: 'authenticated', tenancy: 'none', admitted: 401 },
    'POST /auth/logout': { access: 'authenticated', tenancy: 'none', admitted: 204 },
    'POST /api-tokens': { access: 'authenticated', tenancy: 'none', admitted: 400 },
    'GET /api-tokens': { access: 'authenticated', tenancy: 'none', admitted: 200 },
    'DELETE /api-tokens/:tokenId': {
      access: 'authenticated',
      tenancy: 'none',
      admitted: 404,
      path: () => '/api-tokens/unknown-token',
    },
    'GET /admin/api-tokens': adminOrAuditor(200),
    'DELETE /admin/api-tokens/:tokenId': admin(404, () => '/admin/api-tokens/unknown-token'),
    'POST /admin/organisations': admin(400),
    'GET /admin/organisations': adminOrAuditor(200),
    'POST /admin/users': admin(400),
    'GET /admin/users': adminOrAuditor(200),
    'PUT /admin/users/:userId/status': admin(400, () => `/admin/users/${ANY_UUID}/status`),
    'POST /admin/contracts': admin(400),
    'GET /admin/contracts': adminOrAuditor(200),
    'GET /admin/contracts/:contractId': adminOrAuditor(404, () => `/admin/contracts/${ANY_UUID}`),
    'POST /admin/contracts/:contractId/assignments': admin(
      400,
      () => `/admin/contracts/${ANY_UUID}/assignments`,
    ),
    'DELETE /admin/contracts/:contractId/assignments/:userId/:role': admin(
      404,
      () => `/admin/contracts/${ANY_UUID}/assignments/${ANY_UUID}/responder`,
    ),
    'PUT /admin/contracts/:contractId/contacts': admin(400, () => `/admin/contracts/${ANY_UUID}/contacts`),
    // the access-log report for auditors; without from/to it is refused as invalid input
    'GET /audit/report': adminOrAuditor(400),
  },
};

/** Publisher's routes on one statement of a case (an unknown one: 404 once the case is visible). */
function publisherStatementRoutes(): Record<string, RouteRule> {
  const on = (suffix: string) => (t: Target) => `/cases/${t.caseId}/statements/${ANY_UUID}${suffix}`;
  const decision = { revision: 1, contentHash: '0'.repeat(64) };
  const rule = (access: Access, suffix: string, body?: object): RouteRule => ({
    access,
    tenancy: 'case',
    admitted: 404,
    path: on(suffix),
    ...(body ? { body: () => body } : {}),
  });
  const responders: readonly Role[] = ['responder', 'responsible'];
  return {
    'GET /cases/:caseId/statements/:statementId': rule('authenticated', ''),
    'GET /cases/:caseId/statements/:statementId/revisions/:revision': rule('authenticated', '/revisions/1'),
    'GET /cases/:caseId/statements/:statementId/diff': rule('authenticated', '/diff?from=1&to=2'),
    'GET /cases/:caseId/statements/:statementId/comments': rule('authenticated', '/comments'),
    'GET /cases/:caseId/statements/:statementId/finding-acceptances': rule(
      'authenticated',
      '/finding-acceptances',
    ),
    'POST /cases/:caseId/statements/:statementId/revisions': rule(responders, '/revisions', {
      baseRevision: 1,
      sections: { ja: {}, en: {} },
    }),
    'POST /cases/:caseId/statements/:statementId/consultation': rule(responders, '/consultation', {
      revision: 1,
    }),
    'POST /cases/:caseId/statements/:statementId/approval': rule(['client_officer'], '/approval', decision),
    'POST /cases/:caseId/statements/:statementId/change-requests': rule(
      ['client_officer'],
      '/change-requests',
      {
        ...decision,
        comments: [{ section: 'general', comment: 'matrix comment' }],
      },
    ),
    'POST /cases/:caseId/statements/:statementId/finding-acceptances': rule(
      responders,
      '/finding-acceptances',
      {
        findingId: 'a'.repeat(24),
        reason: 'matrix reason',
      },
    ),
    'POST /cases/:caseId/statements/:statementId/publication': rule(responders, '/publication', {
      revision: 1,
    }),
  };
}

type Scenario =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'role'; readonly role: Role; readonly tenant: 'own' | 'other' };

const SCENARIOS: readonly Scenario[] = [
  { kind: 'anonymous' },
  ...ROLES.flatMap((role) =>
    (['own', 'other'] as const).map((tenant) => ({ kind: 'role' as const, role, tenant })),
  ),
];

/** The status the rules table promises for a scenario. */
function expectedStatus(rule: RouteRule, scenario: Scenario, principal: Principal | undefined): number {
  if (rule.access === 'public') return rule.publicAnswer?.(scenario) ?? rule.admitted;
  if (scenario.kind === 'anonymous') return 401;
  if (Array.isArray(rule.access) && !rule.access.includes(scenario.role)) return 403;
  const seesEverything = principal?.contracts === 'all';
  if (rule.tenancy !== 'none' && scenario.tenant === 'other' && !seesEverything) return 404;
  return rule.admitted;
}

/** Every route the Express app serves, as `METHOD /template`. */
function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route?.path}`)
      : [],
  );
}

// --- the services under test ------------------------------------------------------------------

const schemas = {
  identity: uniqueName('matrix_identity'),
  intake: uniqueName('matrix_intake'),
  timeline: uniqueName('matrix_timeline'),
  publisher: uniqueName('matrix_publisher'),
  'client-notifier': uniqueName('matrix_notifier'),
  'subject-notifier': uniqueName('matrix_subjects'),
};
/** One master key for intake and publisher: the publisher opens intake's case texts. */
const sealing = sealingEnv();
const ownContract = randomUUID();
const otherContract = randomUUID();
const own: Target = { caseId: '', contractId: ownContract };
const other: Target = { caseId: '', contractId: otherContract };

let keys: TestKeys;
let db: DataSource;
const apps = {} as Record<ServiceName, ServiceApp<Record<never, never>>>;
const tokens = new Map<Role, { principal: Principal; header: string }>();

function platformEnv(service: ServiceName) {
  const { databaseUrl, kafkaBrokers } = testConfig();
  return {
    ...authEnv(keys, schemas.identity),
    DATABASE_URL: databaseUrl,
    DB_SCHEMA: schemas[service],
    DB_POOL_SIZE: '3',
    KAFKA_BROKERS: kafkaBrokers.join(','),
    SERVICE_NAME: `${service}-matrix`,
    DATA_RESIDENCY_REGION: 'jp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
  };
}

beforeAll(async () => {
  keys = await generateTestKeys();
  const config = { database: DatabaseConfig, kafka: KafkaConfig, auth: AuthConfig };
  const [identity, intake, timeline, publisher] = await Promise.all([
    createServiceApp(
      IdentityModule,
      identityServiceOptions({
        ...platformEnv('identity'),
        AUTH_SIGNING_KEY: keys.signingKey,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: '2525',
        SMTP_TLS: 'none',
        MAIL_FROM: 'Leak Response <noreply@example.jp>',
        // the matrix posts to /auth/login 13 times from one IP; the limits have tests of their own
        AUTH_LOGIN_MAX_FAILURES_PER_IP: '1000',
        AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
      }),
    ),
    createServiceApp(IntakeModule, {
      name: 'intake',
      config: { ...config, sealing: SealingConfig },
      env: { ...platformEnv('intake'), ...sealing },
    }),
    createServiceApp(TimelineModule, {
      name: 'timeline',
      config: { ...config, timeline: TimelineConfig },
      // the matrix needs no history from the shared topics, and no deadline alerts for it
      env: { ...platformEnv('timeline'), TIMELINE_CONSUME_FROM: 'latest', TIMELINE_SCHEDULER_INTERVAL: '1h' },
    }),
    createServiceApp(
      PublisherModule,
      publisherServiceOptions({ ...platformEnv('publisher'), ...sealing, INTAKE_SCHEMA: schemas.intake }),
    ),
  ]);
  Object.assign(apps, { identity, intake, timeline, publisher });
  await Promise.all([identity.app.init(), intake.app.init(), timeline.app.init(), publisher.app.init()]);
  // client-notifier reads identity's contracts and contacts and opens intake's texts (same master key)
  const notifier = await createServiceApp(
    ClientNotifierModule.forRoot({ smtp: { ignoreTLS: true } }),
    clientNotifierServiceOptions({
      ...platformEnv('client-notifier'),
      ...sealing,
      INTAKE_SCHEMA: schemas.intake,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: '2525',
      SMTP_TLS: 'none',
      MAIL_FROM: 'Leak Response <noreply@example.jp>',
      PUBLIC_BASE_URL: 'http://notifier.matrix',
      CASE_LINK_BASE_URL: 'http://console.matrix',
    }),
  );
  Object.assign(apps, { 'client-notifier': notifier });
  await notifier.app.init();
  // subject-notifier seals the persons with its own per-case keys
  const subjects = await createServiceApp(
    SubjectNotifierModule.forRoot({ smtp: { ignoreTLS: true } }),
    subjectNotifierServiceOptions({
      ...platformEnv('subject-notifier'),
      ...sealing,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: '2525',
      SMTP_TLS: 'none',
      MAIL_FROM: 'Leak Response <noreply@example.jp>',
    }),
  );
  Object.assign(apps, { 'subject-notifier': subjects });
  await subjects.app.init();

  // One principal per role; contractor staff and the client officer see the own contract only.
  for (const role of ROLES) {
    const principal = testPrincipal(role, role === 'auditor' || role === 'admin' ? 'all' : [ownContract]);
    tokens.set(role, { principal, header: `Bearer ${await signAccessToken(keys, principal)}` });
  }

  // A case in each contract: reported through intake, recorded on the timeline as its consumer would.
  const filer = testPrincipal('responder', [ownContract, otherContract]);
  const filerAuth = `Bearer ${await signAccessToken(keys, filer)}`;
  db = await createTestDataSource();
  for (const target of [own, other]) {
    const created = await request(intake.app.getHttpServer())
      .post('/cases')
      .set('Authorization', filerAuth)
      .send(report(target))
      .expect(201);
    Object.assign(target, { caseId: created.body.caseId });
    await db.query(
      `INSERT INTO "${schemas.timeline}".case_history
         (event_id, case_id, stream_id, stream_version, type, occurred_at, recorded_at, actor_id, actor_kind, source_topic, data)
       VALUES ($1, $2, $3, 1, 'IncidentReported', now(), now(), $4, 'user', 'intake.case.events.v1', $5)`,
      [randomUUID(), target.caseId, `case-${target.caseId}`, filer.id, { contractId: target.contractId }],
    );
    // the timeline's read model of the case, folded from that history
    await apps.timeline.app.get(CaseProjection).refresh(target.caseId);
    // and in the publisher's read model, as its intake consumer would (texts left out)
    await db.query(
      `INSERT INTO "${schemas.publisher}".case_facts (case_id, contract_id, case_number, facts, updated_at)
       VALUES ($1, $2, 'MATRIX', $3, now()) ON CONFLICT (case_id) DO NOTHING`,
      [
        target.caseId,
        target.contractId,
        {
          report: { contractId: target.contractId, discoveredAt: '2026-11-20T08:30:00Z' },
          amendmentCount: 0,
          measures: [],
          instructions: [],
          closed: false,
          factSources: {},
        },
      ],
    );
  }
  // the cases as client-notifier's and subject-notifier's intake consumers record them
  for (const target of [own, other]) {
    await db.query(
      `INSERT INTO "${schemas['subject-notifier']}".cases (case_id, contract_id, case_number) VALUES ($1, $2, 'MATRIX')`,
      [target.caseId, target.contractId],
    );
    await db.query(
      `INSERT INTO "${schemas['client-notifier']}".cases (case_id, contract_id, case_number) VALUES ($1, $2, 'MATRIX')`,
      [target.caseId, target.contractId],
    );
  }
});

afterAll(async () => {
  await Promise.allSettled(Object.values(apps).map((service) => service.app.close()));
  for (const schema of Object.values(schemas)) await dropSchema(db, schema);
  await db?.destroy();
});

describe.each([
  'intake',
  'timeline',
  'identity',
  'publisher',
  'client-notifier',
  'subject-notifier',
] as const)('authorisation matrix: %s', (service) => {
  it('has a rule in the table for every route it serves, and an access rule on every controller route', () => {
    const { app } = apps[service];
    const served = servedRoutes(app);
    expect(served.length).toBeGreaterThan(3);
    expect(
      served.filter((route) => !(route in RULES[service])),
      'routes missing from RULES',
    ).toEqual([]);
    expect(
      Object.keys(RULES[service]).filter((route) => !served.includes(route)),
      'stale RULES entries',
    ).toEqual([]);

    const declared = declaredRoutes(app.get(DiscoveryService), app.get(MetadataScanner), app.get(Reflector));
    expect(declared.filter((route) => !route.rule).map((route) => `${route.method} ${route.path}`)).toEqual(
      [],
    );
    for (const route of declared) {
      const rule = RULES[service][`${route.method} ${route.path}`];
      expect(rule?.outsideNest, `${route.method} ${route.path} is a Nest route`).toBeUndefined();
    }
  });

  it('answers every route × role × tenant as the rules say', async () => {
    const server = apps[service].app.getHttpServer();
    const failures: string[] = [];
    for (const route of servedRoutes(apps[service].app)) {
      const rule = RULES[service][route];
      if (!rule) continue; // reported by the test above
      const [method, template] = route.split(' ');
      for (const scenario of SCENARIOS) {
        const token = scenario.kind === 'role' ? tokens.get(scenario.role) : undefined;
        const target = scenario.kind === 'role' && scenario.tenant === 'other' ? other : own;
        const path = rule.path?.(target) ?? template;
        let call = request(server)[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path);
        if (token) call = call.set('Authorization', token.header);
        if (method !== 'GET' && method !== 'DELETE') call = call.send(rule.body?.(target) ?? {});
        const res = await call;
        const expected = expectedStatus(rule, scenario, token?.principal);
        if (res.status !== expected) {
          const who = scenario.kind === 'anonymous' ? 'anonymous' : `${scenario.role}/${scenario.tenant}`;
          failures.push(
            `${route} as ${who}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body?.error ?? '')}`,
          );
        }
        if (scenario.kind === 'anonymous' && rule.access !== 'public') {
          expect(res.headers['www-authenticate'], `${route}: WWW-Authenticate`).toMatch(/^Bearer/);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('tenant scoping leaks nothing', () => {
  it('another tenant’s case answers exactly like a case that does not exist', async () => {
    const officer = tokens.get('client_officer')?.header ?? '';
    for (const [service, path] of [
      ['intake', (id: string) => `/cases/${id}`],
      ['timeline', (id: string) => `/cases/${id}/events`],
    ] as const) {
      const server = apps[service].app.getHttpServer();
      const hidden = await request(server).get(path(other.caseId)).set('Authorization', officer).expect(404);
      const missing = await request(server).get(path(ANY_UUID)).set('Authorization', officer).expect(404);
      const shape = (body: { error: Record<string, unknown> }, id: string) => ({
        ...body.error,
        requestId: undefined,
        message: String(body.error.message).replace(id, '<id>'),
      });
      expect(shape(hidden.body, other.caseId)).toEqual(shape(missing.body, ANY_UUID));
    }
  });

  it('a report is filed only to a contract the reporter is assigned to (404 otherwise), with the reporter as actor', async () => {
    const reporter = tokens.get('reporter');
    const server = apps.intake.app.getHttpServer();
    const refused = await request(server)
      .post('/cases')
      .set('Authorization', reporter?.header ?? '')
      .send(report(other))
      .expect(404);
    expect(refused.body.error.code).toBe('contract_not_found');
    const created = await request(server)
      .post('/cases')
      .set('Authorization', reporter?.header ?? '')
      .send(report(own))
      .expect(201);
    const [event] = await db.query(
      `SELECT metadata->'actor' AS actor FROM "${schemas.intake}".events WHERE stream_id = $1`,
      [`case-${created.body.caseId}`],
    );
    expect(event.actor).toMatchObject({ id: reporter?.principal.id, kind: 'user', role: 'reporter' });
  });
});

describe('the access log sees the matrix', () => {
  it('intake and timeline recorded denied and allowed case requests with the route template and the actor', async () => {
    const officer = tokens.get('client_officer')?.principal;
    for (const [service, route] of [
      ['intake', '/cases/:caseId'],
      ['timeline', '/cases/:caseId/events'],
    ] as const) {
      const rows: { outcome: string; status: number; case_id: string }[] = await db.query(
        `SELECT outcome, status, case_id FROM "${schemas[service]}".access_log
          WHERE route = $1 AND actor_id = $2 ORDER BY id`,
        [route, officer?.id],
      );
      expect(rows).toContainEqual({ outcome: 'allowed', status: 200, case_id: own.caseId });
      expect(rows).toContainEqual({ outcome: 'denied', status: 404, case_id: other.caseId });
    }
  });
});
