import { describe, expect, it } from 'vitest';
import { uniqueName } from './names.js';

describe('uniqueName', () => {
  it('keeps a plain prefix and adds a random hex suffix', () => {
    expect(uniqueName('outbox')).toMatch(/^outbox_[0-9a-f]{10}$/);
  });

  it('never repeats', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('x')));
    expect(names.size).toBe(1000);
  });

  it('normalises the prefix to a PostgreSQL- and Kafka-safe name', () => {
    expect(uniqueName('Intake.Case Events-v1')).toMatch(/^intake_case_events_v1_[0-9a-f]{10}$/);
    expect(uniqueName('1st')).toMatch(/^t1st_[0-9a-f]{10}$/);
    expect(uniqueName('---')).toMatch(/^t_[0-9a-f]{10}$/);
  });

  it('fits in a PostgreSQL identifier (63 characters)', () => {
    const name = uniqueName('a'.repeat(200));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^a+_[0-9a-f]{10}$/);
  });
});
