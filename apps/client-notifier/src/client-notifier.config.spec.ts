import { describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/platform';
import { ClientNotifierConfig } from './client-notifier.config.js';

const base = {
  PUBLIC_BASE_URL: 'https://notify.example.jp',
  CASE_LINK_BASE_URL: 'https://console.example.jp/app',
};
const load = (env: Record<string, string>) =>
  loadConfig({ notifier: ClientNotifierConfig }, { env: { ...base, ...env } }).notifier;

describe('ClientNotifierConfig', () => {
  it('has safe defaults for everything but the two base URLs', () => {
    expect(load({})).toMatchObject({
      publicBaseUrl: 'https://notify.example.jp',
      caseLinkBaseUrl: 'https://console.example.jp/app',
      publisherUrl: 'http://127.0.0.1:3004',
      intakeSchema: 'intake',
      ackLinkTtlDays: 30,
      assessmentWaitMs: 2000,
      maxAttempts: 10,
      leaseSeconds: 120,
    });
    expect(() => loadConfig({ notifier: ClientNotifierConfig }, { env: {} })).toThrow(
      /PUBLIC_BASE_URL.*\n?.*CASE_LINK_BASE_URL|CASE_LINK_BASE_URL/s,
    );
  });

  it('refuses base URLs with a trailing slash, a query or another scheme, and out-of-range numbers', () => {
    expect(() => load({ PUBLIC_BASE_URL: 'https://notify.example.jp/' })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => load({ PUBLIC_BASE_URL: 'https://notify.example.jp?x=1' })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => load({ CASE_LINK_BASE_URL: 'ftp://console.example.jp' })).toThrow(/CASE_LINK_BASE_URL/);
    expect(() => load({ CLIENT_NOTIFIER_PUBLISHER_URL: 'https://publisher.example.jp/' })).toThrow(
      /CLIENT_NOTIFIER_PUBLISHER_URL/,
    );
    expect(() => load({ DELIVERY_LEASE_SECONDS: '1' })).toThrow(/DELIVERY_LEASE_SECONDS/);
    expect(() => load({ INTAKE_SCHEMA: 'Intake; drop' })).toThrow(/INTAKE_SCHEMA/);
  });
});
