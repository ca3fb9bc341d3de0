import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  ConflictError,
  DomainError,
  DuplicateEventError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  ValidationError,
} from './errors.js';

describe('domain errors', () => {
  it('carry the kind the HTTP mapping keys on, a default code and their class name', () => {
    const cases = [
      [new ValidationError('bad'), 'validation', 'validation_failed', 'ValidationError'],
      [new ForbiddenError('no'), 'forbidden', 'forbidden', 'ForbiddenError'],
      [new NotFoundError('gone'), 'not_found', 'not_found', 'NotFoundError'],
      [new ConflictError('taken'), 'conflict', 'conflict', 'ConflictError'],
      [new IllegalStateError('closed'), 'illegal_state', 'illegal_state', 'IllegalStateError'],
    ] as const;
    for (const [error, kind, code, name] of cases) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind, code, name });
    }
  });

  it('take a code, details and a cause', () => {
    const cause = new Error('root');
    const error = new IllegalStateError('case is closed', {
      code: 'case.closed',
      details: { caseId: 'c1' },
      cause,
    });
    expect(error).toMatchObject({
      code: 'case.closed',
      details: { caseId: 'c1' },
      cause,
      message: 'case is closed',
    });
  });

  it('ConcurrencyError is a conflict that names the stream and both versions', () => {
    const error = new ConcurrencyError('case-1', 3, 5);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      kind: 'conflict',
      code: 'concurrency_conflict',
      name: 'ConcurrencyError',
      streamId: 'case-1',
      expected: 3,
      actual: 5,
      reason: 'version-mismatch',
    });
    expect(error.message).toBe('stream case-1: expected version 3, actual 5 (version-mismatch)');
    expect(new DuplicateEventError('e-1')).toMatchObject({
      kind: 'conflict',
      code: 'duplicate_event',
      eventId: 'e-1',
    });
  });
});
