/** Outgoing e-mail: SMTP configuration, a pooled transport, and bilingual (ja/en) messages. See docs/audit.md. */
export { composeMessage, escapeHtml, type LocalizedContent } from './compose.js';
export { MailConfig, SMTP_TLS_MODES, type SmtpTlsMode } from './mail.config.js';
export {
  MAIL_LANGUAGES,
  type MailDelivery,
  MailDeliveryError,
  Mailer,
  type MailLanguage,
  type MailMessage,
  type SmtpTransportOverrides,
  smtpTransportOptions,
} from './mailer.js';
