import type { IncomingMessage } from 'node:http';
import type { AccessActor, AccessKind } from './access-record.js';

const KIND = Symbol('audit.kind');
const CLAIMED_ACCOUNT = Symbol('audit.claimedAccount');

interface MarkedRequest extends IncomingMessage {
  [KIND]?: AccessKind;
  [CLAIMED_ACCOUNT]?: string;
}

/** Overrides the kind the access log records for this request (see also the `@AccessKind` decorator). */
export function markAccessKind(request: IncomingMessage, kind: AccessKind): void {
  (request as MarkedRequest)[KIND] = kind;
}

export function accessKindMarkOf(request: IncomingMessage): AccessKind | undefined {
  return (request as MarkedRequest)[KIND];
}

/**
 * For authentication endpoints: the existing account a failed attempt named (a user id or token id,
 * never the typed e-mail address), so repeated failures against one account are found even though
 * no actor was authenticated. Call it only for accounts that exist.
 */
export function attributeAttempt(request: IncomingMessage, accountId: string): void {
  (request as MarkedRequest)[CLAIMED_ACCOUNT] = accountId;
}

export function claimedAccountOf(request: IncomingMessage): string | undefined {
  return (request as MarkedRequest)[CLAIMED_ACCOUNT];
}

/** Finds the authenticated principal of a request; `undefined` for anonymous requests. */
export type ActorResolver = (request: IncomingMessage) => AccessActor | undefined;
