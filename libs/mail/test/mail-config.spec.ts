import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#libs/platform';
import { MailConfig } from '../src/mail.config.js';
import { smtpTransportOptions } from '../src/mailer.js';

const base = { SMTP_HOST: 'smtp.example.jp', MAIL_FROM: 'noreply@example.jp' };
const load = (env: Record<string, string>) =>
  loadConfig({ mail: MailConfig }, { env: { ...base, ...env } }).mail;

describe('MailConfig and the transport options', () => {
  it('defaults to STARTTLS on 587, required', () => {
    const options = smtpTransportOptions(load({}));
    expect(options).toMatchObject({
      port: 587,
      secure: false,
      requireTLS: true,
      ignoreTLS: false,
      pool: true,
    });
    expect(options.auth).toBeUndefined();
  });

  it('maps implicit TLS and none', () => {
    expect(smtpTransportOptions(load({ SMTP_TLS: 'implicit', SMTP_PORT: '465' }))).toMatchObject({
      port: 465,
      secure: true,
      requireTLS: false,
    });
    expect(smtpTransportOptions(load({ SMTP_TLS: 'none', SMTP_PORT: '25' }))).toMatchObject({
      secure: false,
      requireTLS: false,
      ignoreTLS: true,
    });
  });

  it('authenticates when a user is set, and requires its password', () => {
    expect(smtpTransportOptions(load({ SMTP_USER: 'u', SMTP_PASSWORD: 'p' })).auth).toEqual({
      user: 'u',
      pass: 'p',
    });
    expect(() => load({ SMTP_USER: 'u' })).toThrow(ConfigError);
  });

  it('refuses an unknown TLS mode and a malformed sender', () => {
    expect(() => load({ SMTP_TLS: 'ssl' })).toThrow(/SMTP_TLS/);
    expect(() => load({ MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
    expect(load({ MAIL_FROM: 'Leak Response <noreply@example.jp>' }).from).toBe(
      'Leak Response <noreply@example.jp>',
    );
  });

  it('sizes the pool and limits the rate when asked (SMTP_POOL_SIZE, SMTP_RATE_PER_SECOND)', () => {
    expect(smtpTransportOptions(load({}))).toMatchObject({ maxConnections: 2 });
    expect(smtpTransportOptions(load({})).rateLimit).toBeUndefined();
    expect(smtpTransportOptions(load({ SMTP_POOL_SIZE: '8', SMTP_RATE_PER_SECOND: '20' }))).toMatchObject({
      maxConnections: 8,
      rateDelta: 1000,
      rateLimit: 20,
    });
    expect(() => load({ SMTP_POOL_SIZE: '0' })).toThrow(/SMTP_POOL_SIZE/);
    expect(() => load({ SMTP_RATE_PER_SECOND: 'fast' })).toThrow(/SMTP_RATE_PER_SECOND/);
  });
});
