import { maskEmails } from '#libs/platform';

/** What went wrong with one SMTP attempt, without addresses (it goes into an event and the log). */
export interface SmtpFailure {
  /** retrying can help: no connection, a timeout, a 4xx reply */
  readonly transient: boolean;
  /** the SMTP reply code, when the server answered */
  readonly code?: number;
  /** the reply text or the error code, addresses masked, at most 300 characters */
  readonly reason: string;
}

/**
 * Sorts a nodemailer error: a 5xx reply is permanent (the server will refuse again), a 4xx reply and
 * every failure without a reply (connection refused, reset, timeout, greeting or TLS problems) are
 * transient.
 */
export function classifySmtpFailure(error: unknown): SmtpFailure {
  const fields = (error ?? {}) as {
    responseCode?: unknown;
    response?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const code = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const text =
    typeof fields.response === 'string' && fields.response.length > 0
      ? fields.response
      : [fields.code, fields.message]
          .filter((part) => typeof part === 'string' && part.length > 0)
          .join(': ');
  const reason = maskEmails(text || 'unknown error')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  if (code !== undefined && code >= 500 && code < 600) return { transient: false, code, reason };
  return { transient: true, code, reason };
}
