import type { Request, Response } from 'express';
import { SESSION_COOKIE } from '#libs/auth';

/** Sets the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure unless AUTH_COOKIE_SECURE=false. */
export function setSessionCookie(res: Response, value: string, expires: Date, secure: boolean): void {
  res.cookie(SESSION_COOKIE, value, { httpOnly: true, secure, sameSite: 'strict', path: '/', expires });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, secure, sameSite: 'strict', path: '/' });
}

/** The raw session cookie of a request (only to derive its CSRF token; never logged or stored). */
export function sessionCookieOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === SESSION_COOKIE) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}
