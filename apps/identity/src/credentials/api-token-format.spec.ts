import { describe, expect, it } from 'vitest';
import { formatApiToken, newApiTokenParts, parseApiToken } from './api-token-format.js';

describe('API token format', () => {
  it('round-trips, also when the secret contains underscores', () => {
    for (let i = 0; i < 50; i++) {
      const parts = newApiTokenParts();
      expect(parseApiToken(formatApiToken(parts))).toEqual(parts);
    }
    const parts = { id: '0123456789abcdef', secret: `${'_'.repeat(10)}${'a'.repeat(33)}` };
    expect(parseApiToken(formatApiToken(parts))).toEqual(parts);
  });

  it('refuses anything that is not lrt_<16 hex>_<43 base64url>', () => {
    const good = formatApiToken(newApiTokenParts());
    for (const bad of [
      '',
      'lrt_',
      'lrt_abc',
      good.replace('lrt_', 'lrx_'),
      `${good}x`,
      good.slice(0, -1),
      good.toUpperCase(),
    ]) {
      expect(parseApiToken(bad)).toBeUndefined();
    }
  });
});
