import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { isJsonContentType, JsonContentTypeGuard } from './require-json.js';

function contextFor(method: string, contentType?: string): ExecutionContext {
  const request = { method, headers: contentType ? { 'content-type': contentType } : {} };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe('RequireJson', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/merge-patch+json',
  ])('accepts %s', (type) => {
    expect(isJsonContentType(type)).toBe(true);
    expect(new JsonContentTypeGuard().canActivate(contextFor('POST', type))).toBe(true);
  });

  it.each([
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'application/jsonp',
  ])('refuses a POST with %s as 415', (type) => {
    expect(isJsonContentType(type)).toBe(false);
    const guard = new JsonContentTypeGuard();
    expect(() => guard.canActivate(contextFor('POST', type))).toThrowError(ApiError);
    try {
      guard.canActivate(contextFor('PATCH', type));
    } catch (error) {
      expect((error as ApiError).kind).toBe('unsupported_media_type');
    }
  });

  it('lets requests without a body through', () => {
    expect(new JsonContentTypeGuard().canActivate(contextFor('GET'))).toBe(true);
    expect(new JsonContentTypeGuard().canActivate(contextFor('DELETE', 'text/plain'))).toBe(true);
  });
});
