import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { MigrationClass } from '#libs/platform';

/**
 * Signed single-purpose links for email actions (acknowledge a report, …): bound to one action, one
 * case and one recipient, expiring, usable once. The token is `<payload>.<mac>`, both base64url:
 * the payload is JSON `{ v, act, cid, rcp, exp, jti }`, the MAC is HMAC-SHA256 with
 * LINK_SIGNING_KEY over a fixed context and the payload text.
 */

export interface LinkPayload {
  readonly action: string;
  readonly caseId: string;
  /** who the link was sent to: prefer an id (contact id) over an email address */
  readonly recipient: string;
  readonly expiresAt: Date;
  /** random nonce: the link's identity for single use */
  readonly jti: string;
}

export type LinkErrorCode =
  | 'link_tampered'
  | 'link_expired'
  | 'link_wrong_action'
  | 'link_wrong_case'
  | 'link_already_used';

/** A link that cannot be used; `code` says why, the HTTP mapping is by `kind`. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
  readonly kind: 'forbidden' | 'conflict';

  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
    this.kind = code === 'link_already_used' ? 'conflict' : 'forbidden';
  }
}

/** A second use of a link: 409, with when (and by whom, when the first use said). */
export class LinkAlreadyUsedError extends LinkError {
  constructor(
    readonly usedAt: Date,
    readonly usedBy: string | undefined,
  ) {
    super('link_already_used', `This link was already used on ${usedAt.toISOString()}.`);
  }
}

const LINK_CONTEXT = 'leak-response/link/v1';
const TOKEN = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;

export interface SignedLinksOptions {
  /** LINK_SIGNING_KEY's bytes (≥ 32) */
  readonly key: Buffer;
  /** the consuming service's schema: where `used_links` lives (created by `authMigrations`) */
  readonly schema: string;
}

export interface IssueLinkInput {
  readonly action: string;
  readonly caseId: string;
  readonly recipient: string;
  readonly expiresAt: Date;
}

export interface VerifyLinkInput {
  /** the action the receiving route performs */
  readonly action: string;
  /** the case the URL names */
  readonly caseId: string;
  readonly now: Date;
}

export interface ConsumeLinkInput extends VerifyLinkInput {
  /** who used it, as recorded (a contact id, a user id; not free text) */
  readonly usedBy?: string;
}

const tooShort = (key: Buffer) => key.length < 32;

export class SignedLinks {
  private readonly usedLinks: string;

  constructor(private readonly options: SignedLinksOptions) {
    if (tooShort(options.key)) throw new Error('the link signing key must be at least 32 bytes');
    this.usedLinks = `"${options.schema}".used_links`;
  }

  /** A URL-safe token for the link. */
  issue(input: IssueLinkInput): string {
    const body = {
      v: 1,
      act: input.action,
      cid: input.caseId,
      rcp: input.recipient,
      exp: Math.floor(input.expiresAt.getTime() / 1000),
      jti: randomBytes(16).toString('base64url'),
    };
    const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /**
   * The link's payload when it is genuine, for this action and case, and not expired; a `LinkError`
   * otherwise (checked in that order). Changes nothing: use `consume` to perform the action.
   */
  verify(token: string, expected: VerifyLinkInput): LinkPayload {
    const payload = this.authentic(token);
    if (payload.action !== expected.action) {
      throw new LinkError('link_wrong_action', 'This link is not for this action.');
    }
    if (payload.caseId !== expected.caseId) {
      throw new LinkError('link_wrong_case', 'This link is not for this case.');
    }
    if (payload.expiresAt.getTime() <= expected.now.getTime()) {
      throw new LinkError('link_expired', 'This link has expired.');
    }
    return payload;
  }

  /**
   * Verifies the link and records its use in the caller's transaction (`manager`): the action and
   * the record commit together, or neither does. A second use → `LinkAlreadyUsedError` (409); run
   * the action's writes after this call so a refused link changes nothing.
   */
  async consume(token: string, expected: ConsumeLinkInput, manager: EntityManager): Promise<LinkPayload> {
    const payload = this.verify(token, expected);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${this.usedLinks} (jti, action, case_id, recipient, expires_at, used_at, used_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (jti) DO NOTHING RETURNING jti`,
      [
        payload.jti,
        payload.action,
        payload.caseId,
        payload.recipient,
        payload.expiresAt,
        expected.now,
        expected.usedBy ?? null,
      ],
    );
    if (inserted.length === 0) {
      const [first]: { used_at: Date; used_by: string | null }[] = await manager.query(
        `SELECT used_at, used_by FROM ${this.usedLinks} WHERE jti = $1`,
        [payload.jti],
      );
      throw new LinkAlreadyUsedError(first.used_at, first.used_by ?? undefined);
    }
    return payload;
  }

  /** Removes use records of links that expired before `before` (they are refused as expired anyway). */
  async purgeExpired(before: Date, manager: EntityManager): Promise<number> {
    const [, count]: [unknown, number] = await manager.query(
      `DELETE FROM ${this.usedLinks} WHERE expires_at < $1`,
      [before],
    );
    return count;
  }

  private authentic(token: string): LinkPayload {
    const match = TOKEN.exec(token);
    const tampered = () => new LinkError('link_tampered', 'This link is not valid.');
    if (!match) throw tampered();
    const [, payload, mac] = match;
    const expected = this.mac(payload);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw tampered();
    const body = parseBody(payload);
    if (!body) throw tampered();
    return body;
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.options.key).update(`${LINK_CONTEXT}.${payload}`).digest();
  }
}

function parseBody(payload: string): LinkPayload | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { v, act, cid, rcp, exp, jti } = body ?? {};
  const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
  if (v !== 1 || !text(act) || !text(cid) || !text(rcp) || !text(jti) || !Number.isInteger(exp))
    return undefined;
  return { action: act, caseId: cid, recipient: rcp, expiresAt: new Date((exp as number) * 1000), jti };
}

/** The tables libs/auth needs in a service's schema: `used_links` (single use of signed links). */
export function authMigrations(schema: string): MigrationClass[] {
  return [
    class CreateUsedLinks implements MigrationInterface {
      readonly name = `AuthUsedLinks_${schema}_1767225800000`;

      async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
          CREATE TABLE "${schema}".used_links (
            jti         text        PRIMARY KEY,
            action      text        NOT NULL,
            case_id     text        NOT NULL,
            recipient   text        NOT NULL,
            expires_at  timestamptz NOT NULL,
            used_at     timestamptz NOT NULL,
            used_by     text
          )`);
        await queryRunner.query(`CREATE INDEX used_links_expires_idx ON "${schema}".used_links (expires_at)`);
      }

      async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "${schema}".used_links`);
      }
    },
  ];
}
