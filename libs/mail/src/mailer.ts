import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { MailConfig } from './mail.config.js';

export const MAIL_LANGUAGES = ['ja', 'en'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

/** One message: plain text and HTML bodies of the same content. */
export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** the content's language(s), sent as Content-Language (`ja`, `en`, or both: `ja, en`) */
  readonly languages: readonly MailLanguage[];
  /** `<id@domain>`: a Message-ID chosen by the caller (e.g. one per delivery record, so a resend repeats it) */
  readonly messageId?: string;
  /** further headers (e.g. `References` to thread the messages of one case); never personal data */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the SMTP server accepted: keep `messageId` as the delivery record. */
export interface MailDelivery {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  /** the server's last reply, e.g. `250 2.0.0 OK: queued as …` */
  readonly response: string;
}

export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';
}

/** Extra transport settings (tests: `ignoreTLS` against a plain test server; timeouts). */
export type SmtpTransportOverrides = Partial<SMTPPool.Options>;

/** The nodemailer pooled-transport options for the configuration's TLS mode. */
export function smtpTransportOptions(
  config: MailConfig,
  overrides: SmtpTransportOverrides = {},
): SMTPPool.Options {
  return {
    pool: true,
    maxConnections: config.poolSize ?? 2,
    ...(config.ratePerSecond === undefined ? {} : { rateDelta: 1_000, rateLimit: config.ratePerSecond }),
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ignoreTLS: config.tls === 'none',
    auth: config.user ? { user: config.user, pass: config.password } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...overrides,
  };
}

/**
 * Sends e-mail through one pooled SMTP transport. `send` resolves with the Message-ID once the server
 * accepted the message for at least one recipient; close it at shutdown.
 */
export class Mailer {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(
    private readonly config: MailConfig,
    overrides: SmtpTransportOverrides = {},
  ) {
    this.transport = nodemailer.createTransport(smtpTransportOptions(config, overrides));
  }

  async send(message: MailMessage): Promise<MailDelivery> {
    if (message.to.length === 0) throw new MailDeliveryError('a message needs at least one recipient');
    const info = await this.transport.sendMail({
      from: this.config.from,
      to: [...message.to],
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
      headers: { ...message.headers, 'Content-Language': message.languages.join(', ') },
    });
    const accepted = info.accepted.map(String);
    if (accepted.length === 0) {
      throw new MailDeliveryError(`the SMTP server accepted none of ${message.to.length} recipients`);
    }
    return {
      messageId: info.messageId,
      accepted,
      rejected: info.rejected.map(String),
      response: typeof info.response === 'string' ? info.response : '',
    };
  }

  close(): void {
    this.transport.close();
  }
}
