import { Transform } from 'class-transformer';
import { AsInteger, AsList, Check, Env, IsIntegerInRange } from '#libs/platform';
import { isValidTimeZone, parseOffHours } from './off-hours.js';

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DURATION = /^(\d+)(s|m|h)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `15m`, `1h` → milliseconds; NaN when malformed. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
}

/** Settings of the access-log analysis in the identity service (docs/audit.md). */
export class AuditAnalysisConfig {
  @Env('AUDIT_SOURCE_SCHEMAS', {
    default: 'identity,intake,timeline,client_notifier,publisher,subject_notifier',
    description:
      'Service schemas whose access_log the analysis reads (the auditor’s deliberate cross-schema read)',
  })
  @AsList({ lowerCase: true })
  @Check(
    (value) =>
      Array.isArray(value) && value.length > 0 && value.every((schema) => SQL_IDENTIFIER.test(schema)),
    'must be a comma-separated list of schema names',
  )
  readonly sourceSchemas!: readonly string[];

  @Env('AUDIT_BULK_READ_THRESHOLD', {
    default: '50',
    description:
      'A bulk read is more than this many distinct cases (plus exports) in one hour by one account',
  })
  @AsInteger()
  @IsIntegerInRange(1, 1_000_000)
  readonly bulkReadThreshold!: number;

  @Env('AUDIT_DENIAL_THRESHOLD', {
    default: '10',
    description:
      'Repeated denials are more than this many in ten minutes from one address or for one account',
  })
  @AsInteger()
  @IsIntegerInRange(1, 1_000_000)
  readonly denialThreshold!: number;

  @Env('AUDIT_OFF_HOURS', {
    default: '22:00-06:00',
    description: 'Off-hours as HH:MM-HH:MM in AUDIT_TIMEZONE (may cross midnight); "none" disables the check',
  })
  @Check(
    (value) => value === 'none' || (typeof value === 'string' && parseOffHours(value, 'UTC') !== undefined),
    'must be HH:MM-HH:MM (start and end differ) or none',
  )
  readonly offHours!: string;

  @Env('AUDIT_TIMEZONE', { default: 'Asia/Tokyo', description: 'IANA time zone of AUDIT_OFF_HOURS' })
  @Check(
    (value) => typeof value === 'string' && isValidTimeZone(value),
    'must be an IANA time zone such as Asia/Tokyo',
  )
  readonly timeZone!: string;

  @Env('AUDIT_ANALYSIS_INTERVAL', {
    default: '15m',
    description: 'How often the scheduled analysis runs: 30s, 15m, 1h … (between 10s and 24h)',
  })
  @Transform(({ value }) => (typeof value === 'string' ? parseDuration(value) : value))
  @IsIntegerInRange(10_000, 86_400_000)
  readonly intervalMs!: number;
}
