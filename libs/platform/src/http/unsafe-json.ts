import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error.js';

/** Deepest nesting of arrays and objects a JSON body may have; no API of the system needs more than a few. */
export const MAX_JSON_DEPTH = 32;

/**
 * `JSON.parse` keeps a `"__proto__"` key as an own property; copying such an object (as class-transformer
 * does) sets the copy's prototype instead, and `constructor` is skipped by the copy: both slip past the
 * unknown-property check. No body of the system has such a key; they are refused wherever they appear.
 */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

export type UnsafeJson = { problem: 'too_deep' } | { problem: 'prototype_key'; key: string } | undefined;

/**
 * Whether a parsed JSON value nests deeper than `limit` or holds a prototype key anywhere, walked
 * without recursion (a body nested thousands deep must not exhaust the stack here either).
 */
export function unsafeJson(value: unknown, limit: number): UnsafeJson {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return { problem: 'too_deep' };
    const key = PROTOTYPE_KEYS.find((name) => Object.hasOwn(current, name));
    if (key !== undefined) return { problem: 'prototype_key', key };
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/**
 * Refuses with a 400, before validation and transformation walk the body recursively, a body nested deeper
 * than `MAX_JSON_DEPTH` (class-transformer overflows the stack on a few thousand levels) or carrying a
 * prototype key (`__proto__`, `constructor`, `prototype`).
 */
export function refuseUnsafeJson(req: Request, _res: Response, next: NextFunction): void {
  const unsafe = unsafeJson(req.body, MAX_JSON_DEPTH);
  if (unsafe?.problem === 'too_deep') {
    next(
      new ApiError('validation', `the body is nested more than ${MAX_JSON_DEPTH} levels deep`, {
        details: [
          { field: 'body', problem: `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels` },
        ],
      }),
    );
  } else if (unsafe?.problem === 'prototype_key') {
    next(
      new ApiError('validation', `the body has a ${unsafe.key} property`, {
        details: [{ field: unsafe.key, problem: `property ${unsafe.key} should not exist` }],
      }),
    );
  } else {
    next();
  }
}
