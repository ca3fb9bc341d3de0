import {
  AsInteger,
  AsLowerCase,
  Check,
  Env,
  IsHost,
  IsIntegerInRange,
  IsNonEmptyText,
  IsOneOf,
} from '#libs/platform';

export const SMTP_TLS_MODES = ['none', 'starttls', 'implicit'] as const;
/** `none`: plain SMTP (local relays only); `starttls`: upgrade required; `implicit`: TLS from the start (465). */
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number];

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const userConfigured = (config: object) => (config as { user?: unknown }).user !== undefined;

/** SMTP settings of a service that sends e-mail. See docs/audit.md (mail). */
export class MailConfig {
  @Env('SMTP_HOST', { description: 'SMTP server host name or address' })
  @IsHost()
  readonly host!: string;

  @Env('SMTP_PORT', {
    default: '587',
    description: 'SMTP server port (587 submission, 465 implicit TLS, 25 relay)',
  })
  @AsInteger()
  @IsIntegerInRange(1, 65535)
  readonly port!: number;

  @Env('SMTP_TLS', {
    default: 'starttls',
    description: 'none, starttls (the upgrade is required) or implicit (TLS from the first byte, port 465)',
  })
  @AsLowerCase()
  @IsOneOf(SMTP_TLS_MODES)
  readonly tls!: SmtpTlsMode;

  @Env('SMTP_USER', { optional: true, secret: true, description: 'SMTP user; unset means no authentication' })
  @IsNonEmptyText()
  readonly user?: string;

  @Env('SMTP_PASSWORD', {
    optional: true,
    secret: true,
    requiredWhen: { test: userConfigured, reason: 'is required when SMTP_USER is set' },
    description: 'SMTP password (required with SMTP_USER)',
  })
  @IsNonEmptyText()
  readonly password?: string;

  @Env('SMTP_POOL_SIZE', {
    default: '2',
    description: 'SMTP connections kept open and used in parallel (also the number of messages in flight)',
  })
  @AsInteger()
  @IsIntegerInRange(1, 50)
  readonly poolSize!: number;

  @Env('SMTP_RATE_PER_SECOND', {
    optional: true,
    description: 'At most this many messages per second over all connections; unset means no limit',
  })
  @AsInteger()
  @IsIntegerInRange(1, 10_000)
  readonly ratePerSecond?: number;

  @Env('MAIL_FROM', { description: 'Sender address, e.g. "Leak Response <noreply@example.jp>"' })
  @Check(
    (value) => typeof value === 'string' && ADDRESS.test(value.replace(/^.*<([^>]+)>\s*$/, '$1').trim()),
    'must be an e-mail address, optionally with a display name: Name <address>',
  )
  readonly from!: string;
}
