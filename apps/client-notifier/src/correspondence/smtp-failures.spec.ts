import { describe, expect, it } from 'vitest';
import { classifySmtpFailure } from './smtp-failures.js';

describe('SMTP failures', () => {
  it('a 5xx reply is permanent, without the address it quotes', () => {
    const failure = classifySmtpFailure(
      Object.assign(new Error("Can't send mail - all recipients were rejected"), {
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 <someone@client.example.jp>: Recipient address rejected',
      }),
    );
    expect(failure).toEqual({
      transient: false,
      code: 550,
      reason: '550 5.1.1 <[email]>: Recipient address rejected',
    });
  });

  it('a 4xx reply and a failure without a reply are transient', () => {
    expect(
      classifySmtpFailure(
        Object.assign(new Error('x'), { responseCode: 451, response: '451 4.3.0 try later' }),
      ),
    ).toMatchObject({ transient: true, code: 451 });
    expect(
      classifySmtpFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' })),
    ).toEqual({ transient: true, code: undefined, reason: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:25' });
    expect(classifySmtpFailure(undefined)).toMatchObject({ transient: true, reason: 'unknown error' });
  });
});
