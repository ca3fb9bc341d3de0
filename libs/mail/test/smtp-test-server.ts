import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message as the test SMTP server received it: the envelope and the parsed content. */
export interface ReceivedMail {
  readonly envelopeTo: string[];
  readonly parsed: ParsedMail;
  /** when the server accepted the message (after parsing, just before answering 250) */
  readonly receivedAt: number;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  close(): Promise<void>;
}

/** An SMTP error reply the test server gives instead of accepting, e.g. `{ code: 550, message: '…' }`. */
export interface SmtpRefusal {
  readonly code: number;
  readonly message: string;
}

export interface TestSmtpServerOptions {
  /** the port to listen on (default: a free one) */
  readonly port?: number;
  /** refuse a recipient (RCPT TO) with this reply; `undefined` accepts it */
  readonly refuseRecipient?: (address: string) => SmtpRefusal | undefined;
  /** do not parse (benchmarks): `parsed` then holds the headers only */
  readonly headersOnly?: boolean;
  /** called for every accepted message, e.g. to time it */
  readonly onMessage?: (mail: ReceivedMail) => void;
}

const refusalError = (refusal: SmtpRefusal) =>
  Object.assign(new Error(refusal.message), { responseCode: refusal.code });

/**
 * A real SMTP server in the test process, on a free port. STARTTLS is disabled (smtp-server's
 * built-in certificate has expired), so clients connect with `ignoreTLS: true` / SMTP_TLS=none.
 */
export async function startTestSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = options.refuseRecipient?.(address.address);
      callback(refusal ? refusalError(refusal) : undefined);
    },
    onData(stream, session, callback) {
      simpleParser(stream, options.headersOnly ? { skipHtmlToText: true, skipTextToHtml: true } : {})
        .then((parsed) => {
          const mail = {
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            parsed,
            receivedAt: performance.now(),
          };
          received.push(mail);
          options.onMessage?.(mail);
          callback();
        })
        .catch(callback);
    },
  });
  // a client that dies mid-session (a test kills it) resets its connection: not the server's failure
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
