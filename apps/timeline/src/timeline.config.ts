import { Transform } from 'class-transformer';
import { ALL_EVENT_TOPICS } from '#libs/contracts';
import { AsInteger, AsList, Check, Env, IsIntegerInRange, IsOneOf } from '#libs/platform';
import { CLOCK_KINDS, type ClockKind } from './clocks/index.js';

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `24h`, `5d` → milliseconds; NaN when malformed or zero. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : Number.NaN;
}

/** `24h,1h` → [86400000, 3600000]; undefined when any item is malformed. */
export function parseDurationList(text: string): number[] | undefined {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const values = items.map(parseDuration);
  return values.some(Number.isNaN) ? undefined : values;
}

/** `contract.acknowledgement=10m;appi.final=7d,1d` → per-kind lead times; undefined when malformed. */
export function parseLeadTimesByKind(text: string): Partial<Record<ClockKind, number[]>> | undefined {
  const result: Partial<Record<ClockKind, number[]>> = {};
  for (const part of text.split(';').map((item) => item.trim())) {
    if (part === '') continue;
    const [kind, list, extra] = part.split('=');
    const values = list === undefined ? undefined : parseDurationList(list);
    if (extra !== undefined || !(CLOCK_KINDS as readonly string[]).includes(kind.trim()) || !values)
      return undefined;
    result[kind.trim() as ClockKind] = values;
  }
  return result;
}

const asDuration = () => Transform(({ value }) => (typeof value === 'string' ? parseDuration(value) : value));
const isDuration = (min: number) => IsIntegerInRange(min, 366 * UNIT_MS.d);

/**
 * Settings of the timeline service: the deployment's clock defaults (a contract can override the
 * contract-specific ones through `PUT /contracts/:contractId/clock-settings`), the deadline scheduler,
 * and which services' access logs the audit export reads. See docs/timeline.md.
 */
export class TimelineConfig {
  @Env('TIMELINE_PROMPT_REPORT_WITHIN', {
    default: '24h',
    description: 'Default target from discovery to the client notified (contract Art. 16(1)), e.g. 24h',
  })
  @asDuration()
  @isDuration(60_000)
  readonly promptReportWithinMs!: number;

  @Env('TIMELINE_ACKNOWLEDGEMENT_WITHIN', {
    default: '30m',
    description: 'Default wait from the first notice to the client’s acknowledgement, e.g. 30m',
  })
  @asDuration()
  @isDuration(60_000)
  readonly acknowledgementWithinMs!: number;

  @Env('TIMELINE_APPI_PRELIMINARY_DAYS', {
    default: '5',
    description: 'Default days from discovery until the APPI preliminary report (速報) is due',
  })
  @AsInteger()
  @IsIntegerInRange(1, 30)
  readonly appiPreliminaryDays!: number;

  @Env('TIMELINE_APPI_PRELIMINARY_WARN_AT_DAYS', {
    default: '3',
    description:
      'Default days from discovery until the 速報 warning (less than TIMELINE_APPI_PRELIMINARY_DAYS)',
  })
  @AsInteger()
  @IsIntegerInRange(1, 29)
  @Check(
    (value, config) => typeof value === 'number' && value < Number(config.appiPreliminaryDays),
    'must be less than TIMELINE_APPI_PRELIMINARY_DAYS',
  )
  readonly appiPreliminaryWarnAtDays!: number;

  @Env('TIMELINE_GDPR_PROCESSOR_WITHIN', {
    default: '24h',
    description: 'Target for GDPR Art. 33(2) "without undue delay" (processor to controller), e.g. 24h',
  })
  @asDuration()
  @isDuration(60_000)
  readonly gdprProcessorToControllerWithinMs!: number;

  @Env('TIMELINE_ALERT_LEAD_TIMES', {
    default: '24h,1h',
    description: 'When DeadlineApproaching fires: comma-separated lead times before a due date',
  })
  @Transform(({ value }) => (typeof value === 'string' ? (parseDurationList(value) ?? value) : value))
  @Check(
    (value) => Array.isArray(value) && value.length > 0,
    'must be a comma-separated list of durations such as 24h,1h',
  )
  readonly alertLeadTimesMs!: readonly number[];

  @Env('TIMELINE_ALERT_LEAD_TIMES_BY_KIND', {
    default: 'contract.acknowledgement=10m;appi.final=7d,1d',
    description:
      'Lead times replacing TIMELINE_ALERT_LEAD_TIMES for some clock kinds: kind=durations separated by ;',
  })
  @Transform(({ value }) => (typeof value === 'string' ? (parseLeadTimesByKind(value) ?? value) : value))
  @Check(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'must be kind=durations pairs separated by ; with known clock kinds, e.g. appi.final=7d,1d',
  )
  readonly alertLeadTimesMsByKind!: Readonly<Partial<Record<ClockKind, number[]>>>;

  @Env('TIMELINE_SCHEDULER_INTERVAL', {
    default: '15s',
    description: 'How often the deadline scheduler looks for due alerts (1s to 1h)',
  })
  @asDuration()
  @IsIntegerInRange(1_000, 3_600_000)
  readonly schedulerIntervalMs!: number;

  @Env('TIMELINE_SOURCE_TOPICS', {
    default: 'all',
    description:
      'The topics the timeline consumes: all (every event topic of the system) or a comma-separated list; tests point it at topics of their own',
  })
  @Transform(({ value }) =>
    value === 'all'
      ? [...ALL_EVENT_TOPICS]
      : typeof value === 'string'
        ? value
            .split(',')
            .map((topic) => topic.trim())
            .filter(Boolean)
        : value,
  )
  @Check(
    (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((topic) => /^[A-Za-z0-9._-]{1,200}$/.test(topic)),
    'must be all or a comma-separated list of Kafka topic names',
  )
  readonly sourceTopics!: readonly string[];

  @Env('TIMELINE_CONSUME_FROM', {
    default: 'earliest',
    description:
      'Where a new consumer group starts: earliest (every event the topics still hold; production) or latest (only events published after it joined; tests and demos)',
  })
  @IsOneOf(['earliest', 'latest'])
  readonly consumeFrom!: 'earliest' | 'latest';

  @Env('TIMELINE_AUDIT_SOURCE_SCHEMAS', {
    default: 'identity,intake,client_notifier,subject_notifier,publisher,timeline',
    description:
      'Service schemas whose access_log the case audit export reads (a deliberate cross-schema read, like the access analysis)',
  })
  @AsList({ lowerCase: true })
  @Check(
    (value) =>
      Array.isArray(value) && value.length > 0 && value.every((schema) => SQL_IDENTIFIER.test(schema)),
    'must be a comma-separated list of schema names',
  )
  readonly auditSourceSchemas!: readonly string[];
}
