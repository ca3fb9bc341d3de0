import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, summarizeConfig } from '#libs/platform';
import { SealingConfig } from '../src/index.js';

const keyText = () => randomBytes(32).toString('base64url');

function load(value: string | undefined) {
  return loadConfig({ sealing: SealingConfig }, { env: { SEALING_MASTER_KEYS: value } }).sealing;
}

function problemOf(value: string | undefined): string {
  try {
    load(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].variable).toBe('SEALING_MASTER_KEYS');
    expect((error as ConfigError).message).toContain('SEALING_MASTER_KEYS: ');
    return problems[0].reason;
  }
  throw new Error('expected a ConfigError');
}

describe('SealingConfig', () => {
  it('loads the keys in order; the first is the active one', () => {
    const [k1, k2] = [keyText(), keyText()];
    const config = load(` k2026:${k1} , k2025:${k2}`);
    expect(config.masterKeys.map((key) => key.id)).toEqual(['k2026', 'k2025']);
    expect(config.activeMasterKey.id).toBe('k2026');
    expect(config.activeMasterKey.material()).toEqual(Buffer.from(k1, 'base64url'));
  });

  it('accepts one byte of base64 padding', () => {
    expect(load(`k1:${keyText()}=`).masterKeys).toHaveLength(1);
  });

  it('never shows key bytes when the config is printed', () => {
    const secret = keyText();
    const config = load(`k1:${secret}`);
    expect(JSON.stringify(config)).not.toContain(secret);
    expect(inspect(config, { depth: 5 })).not.toContain(secret);
    expect(inspect(config, { depth: 5 })).toContain('MasterKey(k1)');
    expect(
      summarizeConfig({ sealing: SealingConfig }, { env: { SEALING_MASTER_KEYS: `k1:${secret}` } }),
    ).toEqual({
      SEALING_MASTER_KEYS: '<set>',
    });
  });

  const cases: Array<[what: string, value: () => string | undefined, reason: RegExp]> = [
    ['unset', () => undefined, /^is required but not set$/],
    ['only commas', () => ' , ,', /one or more comma-separated id:key entries/],
    ['no id', () => keyText(), /entry 1 must be id:key/],
    ['an empty id', () => `:${keyText()}`, /entry 1: the id must be/],
    ['an id with spaces', () => `my key:${keyText()}`, /entry 1: the id must be/],
    ['a short key', () => `k1:${randomBytes(16).toString('base64url')}`, /"k1" must be exactly 32 bytes/],
    ['a long key', () => `k1:${randomBytes(33).toString('base64url')}`, /"k1" must be exactly 32 bytes/],
    [
      'standard base64 with + or /',
      () => `k1:${'+/'.repeat(21)}A`,
      /"k1" must be exactly 32 bytes in base64url/,
    ],
    ['a repeated-byte placeholder', () => `k1:${Buffer.alloc(32).toString('base64url')}`, /placeholder/],
    ['a duplicate id', () => `k1:${keyText()},k2:${keyText()},k1:${keyText()}`, /unique: "k1" appears twice/],
    [
      'the same key twice',
      () => {
        const key = keyText();
        return `k1:${key},k2:${key}`;
      },
      /"k1" and "k2" hold the same key bytes/,
    ],
    ['a bad second entry', () => `k1:${keyText()},k2:short`, /"k2" must be exactly 32 bytes/],
  ];

  it.each(cases)('refuses %s, naming SEALING_MASTER_KEYS and never quoting the value', (_, value, reason) => {
    const raw = value();
    const message = problemOf(raw);
    expect(message).toMatch(reason);
    for (const part of (raw ?? '').split(/[,:]/).filter((piece) => piece.length >= 16)) {
      expect(message).not.toContain(part);
    }
  });
});
