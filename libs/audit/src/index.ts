/**
 * The access log: every HTTP request of every service, allowed or denied, recorded in the service's
 * `access_log` table, append-only for the application. See docs/audit.md.
 */
export { AccessKind } from './access-kind.decorator.js';
export { AccessLogConfig } from './access-log.config.js';
export { AccessLogModule, type AccessLogModuleOptions } from './access-log.module.js';
export { type AccessLogMiddlewareOptions, createAccessLogMiddleware } from './access-log-middleware.js';
export { type AccessLogLogger, AccessLogWriter, type AccessLogWriterOptions } from './access-log-writer.js';
export type { AccessKind as AccessKindName } from './access-record.js';
export {
  ACCESS_KINDS,
  ACCESS_OUTCOMES,
  ACTOR_TYPES,
  type AccessActor,
  type AccessOutcome,
  type AccessRecord,
  type ActorType,
  defaultKindOf,
  mustBeDurable,
  outcomeOf,
} from './access-record.js';
export {
  type AuditMigrationClass,
  type AuditMigrationOptions,
  auditMigrations,
  MINIMUM_RETENTION_DAYS,
} from './migrations.js';
export { principalActorOf } from './principal-actor.js';
export {
  type ActorResolver,
  accessKindMarkOf,
  attributeAttempt,
  claimedAccountOf,
  markAccessKind,
} from './request-marks.js';
export { AccessLogRetention, purgeAccessLog, RetentionTooShortError } from './retention.js';
export { InvalidIdentifierError } from './sql-identifier.js';
