// A small mail catcher for `npm start` on a machine without one (compose's mailpit does the same, better):
// SMTP on 127.0.0.1:1025 (no TLS, no authentication: SMTP_TLS=none) and a web inbox on http://127.0.0.1:8025.
// Messages are kept in memory (the last 500) and never leave the machine. Uses the dev dependencies
// smtp-server and mailparser. MAIL_CATCHER_SMTP_PORT / MAIL_CATCHER_HTTP_PORT change the ports.
import { createServer } from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const SMTP_PORT = Number(process.env.MAIL_CATCHER_SMTP_PORT ?? 1025);
const HTTP_PORT = Number(process.env.MAIL_CATCHER_HTTP_PORT ?? 8025);
const KEEP = 500;
/** @type {Array<{ id: number, at: Date, to: string, subject: string, text: string, html: string }>} */
const messages = [];
let nextId = 1;

const escapeHtml = (text) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  logger: false,
  onData(stream, session, callback) {
    const to = session.envelope.rcptTo.map((rcpt) => rcpt.address).join(', ');
    simpleParser(stream)
      .then((mail) => {
        messages.unshift({
          id: nextId++,
          at: new Date(),
          to,
          subject: mail.subject ?? '(no subject)',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
        });
        messages.length = Math.min(messages.length, KEEP);
        callback();
      })
      .catch(callback);
  },
});
smtp.on('error', (error) => console.error(`[mail-catcher] ${error.message}`));

const page = (title, body) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;

const http = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://catcher');
  const match = /^\/messages\/(\d+)(\/html)?$/.exec(url.pathname);
  if (match) {
    const message = messages.find((m) => m.id === Number(match[1]));
    if (!message) return void res.writeHead(404).end('not found');
    if (match[2]) {
      // the HTML part as sent, sandboxed: no script, no same-origin access
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': 'sandbox',
      });
      return void res.end(message.html);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return void res.end(
      page(
        message.subject,
        `<p><a href="/">inbox</a></p><h1>${escapeHtml(message.subject)}</h1><p>To: ${escapeHtml(message.to)}<br>${message.at.toISOString()}</p>` +
          (message.html ? `<p><a href="/messages/${message.id}/html">HTML part</a></p>` : '') +
          `<pre>${escapeHtml(message.text)}</pre>`,
      ),
    );
  }
  if (url.pathname !== '/') return void res.writeHead(404).end('not found');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    page(
      'Mail catcher',
      `<h1>Mail catcher (${messages.length})</h1><table><tr><th>time (UTC)</th><th>to</th><th>subject</th></tr>` +
        messages
          .map(
            (m) =>
              `<tr><td>${m.at.toISOString().slice(0, 19)}</td><td>${escapeHtml(m.to)}</td><td><a href="/messages/${m.id}">${escapeHtml(m.subject)}</a></td></tr>`,
          )
          .join('') +
        '</table>',
    ),
  );
});

smtp.listen(SMTP_PORT, '127.0.0.1', () => console.log(`[mail-catcher] SMTP on 127.0.0.1:${SMTP_PORT}`));
http.listen(HTTP_PORT, '127.0.0.1', () =>
  console.log(`[mail-catcher] inbox on http://127.0.0.1:${HTTP_PORT}`),
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    http.close();
    smtp.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
