import { Transform } from 'class-transformer';
import { AsInteger, Check, Env, IsIntegerInRange, IsSqlIdentifier } from '#libs/platform';

/** `https://host[:port][/path]` (or http), without a trailing slash, query or fragment. */
function isBaseUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      !value.endsWith('/')
    );
  } catch {
    return false;
  }
}

const AsTrimmed = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const BASE_URL_RULE = 'must be an http(s) URL without a trailing slash, query or fragment';

/** Settings of the client-notifier service (docs/client-notifier.md, docs/configuration.md). */
export class ClientNotifierConfig {
  @Env('PUBLIC_BASE_URL', {
    description:
      'Base URL under which the recipients of the e-mails reach this service: acknowledgement links are <PUBLIC_BASE_URL>/acknowledgements/<token>',
  })
  @AsTrimmed()
  @Check(isBaseUrl, BASE_URL_RULE)
  readonly publicBaseUrl!: string;

  @Env('CASE_LINK_BASE_URL', {
    description: 'Base URL of the case pages linked from the e-mails: <CASE_LINK_BASE_URL>/cases/<caseId>',
  })
  @AsTrimmed()
  @Check(isBaseUrl, BASE_URL_RULE)
  readonly caseLinkBaseUrl!: string;

  @Env('CLIENT_NOTIFIER_PUBLISHER_URL', {
    default: 'http://127.0.0.1:3004',
    description:
      'Base URL of the publisher, linked from a consultation request: <CLIENT_NOTIFIER_PUBLISHER_URL>/cases/<caseId>/statements/<statementId>/revisions/<revision>',
  })
  @AsTrimmed()
  @Check(isBaseUrl, BASE_URL_RULE)
  readonly publisherUrl!: string;

  @Env('INTAKE_SCHEMA', {
    default: 'intake',
    description:
      "Schema of intake's case keys (case_keys): the case texts are unsealed with them (SELECT only, never a new key)",
  })
  @IsSqlIdentifier()
  readonly intakeSchema!: string;

  @Env('ACK_LINK_TTL_DAYS', {
    default: '30',
    description: 'Days an acknowledgement link in an e-mail stays valid',
  })
  @AsInteger()
  @IsIntegerInRange(1, 365)
  readonly ackLinkTtlDays!: number;

  @Env('FIRST_NOTICE_ASSESSMENT_WAIT_MS', {
    default: '2000',
    description:
      'How long a first notice waits for the case’s first regulatory assessment before it is sent without it',
  })
  @AsInteger()
  @IsIntegerInRange(0, 60_000)
  readonly assessmentWaitMs!: number;

  @Env('DELIVERY_MAX_ATTEMPTS', {
    default: '10',
    description: 'SMTP attempts per message before a transient failure becomes ClientNotificationFailed',
  })
  @AsInteger()
  @IsIntegerInRange(1, 100)
  readonly maxAttempts!: number;

  @Env('DELIVERY_RETRY_INITIAL_MS', {
    default: '2000',
    description: 'Back-off after the first transient SMTP failure; it doubles per attempt (±20 % jitter)',
  })
  @AsInteger()
  @IsIntegerInRange(10, 3_600_000)
  readonly retryInitialMs!: number;

  @Env('DELIVERY_RETRY_MAX_MS', {
    default: '300000',
    description: 'Longest back-off between two SMTP attempts of one message',
  })
  @AsInteger()
  @IsIntegerInRange(10, 86_400_000)
  readonly retryMaxMs!: number;

  @Env('DELIVERY_LEASE_SECONDS', {
    default: '120',
    description:
      'How long a claimed message is reserved for the instance sending it; after a crash another instance retries it once this has passed',
  })
  @AsInteger()
  @IsIntegerInRange(5, 3_600)
  readonly leaseSeconds!: number;

  @Env('NOTIFIER_POLL_MS', {
    default: '1000',
    description:
      'How often the sender and the timers look for due work besides being woken (sends are woken at once)',
  })
  @AsInteger()
  @IsIntegerInRange(20, 60_000)
  readonly pollMs!: number;
}
