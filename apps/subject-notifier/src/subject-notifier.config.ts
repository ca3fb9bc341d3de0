import { AsByteSize, AsInteger, Check, Env, IsIntegerInRange, IsSqlIdentifier } from '#libs/platform';

/** Settings of the subject-notifier service (docs/subject-notifier.md, docs/configuration.md). */
export class SubjectNotifierConfig {
  @Env('NOTICE_RATE_PER_SECOND', {
    default: '20',
    description: 'At most this many notices per second leave for the SMTP relay (over all connections)',
  })
  @AsInteger()
  @IsIntegerInRange(1, 10_000)
  readonly ratePerSecond!: number;

  @Env('NOTICE_CONCURRENCY', {
    default: '4',
    description:
      'SMTP connections used in parallel; up to twice as many notices are in flight (one prepared or recorded per connection)',
  })
  @AsInteger()
  @IsIntegerInRange(1, 50)
  readonly concurrency!: number;

  @Env('NOTICE_LEASE_SECONDS', {
    default: '60',
    description:
      'How long a notice being sent is reserved; after a crash it is sent again once this has passed (the one-SMTP-transaction window)',
  })
  @AsInteger()
  @IsIntegerInRange(5, 3_600)
  readonly leaseSeconds!: number;

  @Env('NOTICE_MAX_ATTEMPTS', {
    default: '8',
    description: 'SMTP attempts per notice before a transient failure (4xx, connection) becomes failed',
  })
  @AsInteger()
  @IsIntegerInRange(1, 100)
  readonly maxAttempts!: number;

  @Env('NOTICE_RETRY_INITIAL_MS', {
    default: '5000',
    description: 'Wait after the first transient SMTP failure of a notice; it doubles per attempt',
  })
  @AsInteger()
  @IsIntegerInRange(10, 3_600_000)
  readonly retryInitialMs!: number;

  @Env('NOTICE_RETRY_MAX_MS', {
    default: '600000',
    description: 'Longest wait between two SMTP attempts of one notice',
  })
  @AsInteger()
  @IsIntegerInRange(10, 86_400_000)
  readonly retryMaxMs!: number;

  @Env('NOTICE_POLL_MS', {
    default: '1000',
    description: 'How often the sender looks for due notices besides being woken by a start or resume',
  })
  @AsInteger()
  @IsIntegerInRange(20, 60_000)
  readonly pollMs!: number;

  @Env('SUBJECT_IMPORT_MAX_BYTES', {
    default: '200mb',
    description: 'Largest CSV file of affected persons accepted by one upload (b, kb or mb)',
  })
  @AsByteSize()
  @Check(
    (value) => typeof value === 'number' && Number.isInteger(value) && value >= 1024,
    'must be a size of at least 1kb, e.g. 200mb',
  )
  readonly importMaxBytes!: number;

  @Env('PUBLISHER_SCHEMA', {
    default: 'publisher',
    description:
      "Schema of publisher's case keys (case_keys): the approved notice templates are unsealed with them (SELECT only, never a new key)",
  })
  @IsSqlIdentifier()
  readonly publisherSchema!: string;
}
