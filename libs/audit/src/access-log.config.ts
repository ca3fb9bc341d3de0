import { AsInteger, Env, IsIntegerInRange } from '#libs/platform';
import { MINIMUM_RETENTION_DAYS } from './migrations.js';

/** Configuration of the access log (every service with `AccessLogModule`). See docs/audit.md. */
export class AccessLogConfig {
  @Env('AUDIT_RETENTION_DAYS', {
    default: '400',
    description: `Days access records are kept; the retention job removes older ones. At least ${MINIMUM_RETENTION_DAYS}`,
  })
  @AsInteger()
  @IsIntegerInRange(MINIMUM_RETENTION_DAYS, 36_500)
  readonly retentionDays!: number;

  @Env('AUDIT_RETENTION_INTERVAL_HOURS', {
    default: '24',
    description: 'How often the retention job runs (hours); it also runs once at start-up',
  })
  @AsInteger()
  @IsIntegerInRange(1, 24 * 30)
  readonly retentionIntervalHours!: number;
}
