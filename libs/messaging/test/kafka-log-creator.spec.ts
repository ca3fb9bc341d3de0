import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { MessagingLogger } from '../src/index.js';
import { kafkaLogCreator } from '../src/kafka/kafka-log-creator.js';

describe('kafkaLogCreator', () => {
  it('sends kafkajs log lines to the structured logger at the matching level', () => {
    const lines: Array<[string, object, string | undefined]> = [];
    const record = (level: string) => (obj: object, msg?: string) => void lines.push([level, obj, msg]);
    const logger: MessagingLogger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    const entry = (level: logLevel, message: string) => ({
      namespace: 'Consumer',
      level,
      label: 'x',
      log: { timestamp: 'now', logger: 'kafkajs', message, groupId: 'g' },
    });
    log(entry(logLevel.ERROR, 'crashed'));
    log(entry(logLevel.WARN, 'slow'));
    log(entry(logLevel.INFO, 'joined'));
    log(entry(logLevel.DEBUG, 'fetch'));

    expect(lines).toEqual([
      ['error', { component: 'kafkajs', namespace: 'Consumer', groupId: 'g' }, 'crashed'],
      ['warn', { component: 'kafkajs', namespace: 'Consumer', groupId: 'g' }, 'slow'],
      ['info', { component: 'kafkajs', namespace: 'Consumer', groupId: 'g' }, 'joined'],
      ['debug', { component: 'kafkajs', namespace: 'Consumer', groupId: 'g' }, 'fetch'],
    ]);
  });
});
