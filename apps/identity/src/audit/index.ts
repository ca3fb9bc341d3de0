/** The access-log analysis of the identity service (docs/audit.md). */
export {
  AccessAnalysis,
  type AnalysisRun,
  assertPeriod,
  InvalidPeriodError,
  type RunResult,
} from './access-analysis.js';
export { type AccessReport, reportToCsv } from './access-report.js';
export { AccessAnalysisScheduler } from './analysis-scheduler.js';
export { AnomalyNotifier } from './anomaly-notifier.js';
export { identityAuditMigrations } from './audit.migrations.js';
export { AuditAnalysisConfig } from './audit-analysis.config.js';
export {
  AUDIT_ANALYSIS_CONFIG,
  AuditAnalysisModule,
  type AuditAnalysisModuleOptions,
} from './audit-analysis.module.js';
