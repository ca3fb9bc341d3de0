import { describe, expect, it } from 'vitest';
import { AccessTokenVerifier, type Principal } from '#libs/auth';
import { generateTestKeys } from '#libs/testing';
import { AccessTokenSigner, SigningKeyError } from './access-token-signer.js';

const principal: Principal = {
  id: 'token:0123456789abcdef',
  type: 'token',
  userId: '0190a5b2-0000-7000-8000-000000000001',
  orgId: '0190a5b2-0000-7000-8000-000000000002',
  orgKind: 'client',
  roles: ['client_officer'],
  contracts: ['0190a5b2-0000-7000-8000-000000000003'],
};

describe('AccessTokenSigner', () => {
  it("signs what libs/auth's verifier accepts, and the principal survives the round trip", async () => {
    const keys = await generateTestKeys();
    const now = new Date();
    const signer = await AccessTokenSigner.create(
      { privateJwk: keys.signingKey, publicJwks: keys.publicJwks },
      300,
    );
    const issued = await signer.sign(principal, now);
    expect(issued.expiresIn).toBe(300);
    const verifier = new AccessTokenVerifier({
      publicKeys: JSON.parse(keys.publicJwks),
      clock: { now: () => now },
    });
    expect(await verifier.verify(issued.accessToken)).toEqual(principal);
  });

  it('publishes public parts only', async () => {
    const keys = await generateTestKeys();
    const signer = await AccessTokenSigner.create(
      { privateJwk: keys.signingKey, publicJwks: keys.publicJwks },
      300,
    );
    expect(signer.publicKeys.keys).toHaveLength(1);
    expect(signer.publicKeys.keys[0]).not.toHaveProperty('d');
    expect(signer.publicKeys.keys[0].kid).toBe(keys.kid);
  });

  it('refuses a signing key whose public part is not published', async () => {
    const [signing, other] = await Promise.all([generateTestKeys(), generateTestKeys()]);
    await expect(
      AccessTokenSigner.create({ privateJwk: signing.signingKey, publicJwks: other.publicJwks }, 300),
    ).rejects.toBeInstanceOf(SigningKeyError);
    await expect(
      AccessTokenSigner.create({ privateJwk: signing.publicJwks, publicJwks: signing.publicJwks }, 300),
    ).rejects.toBeInstanceOf(SigningKeyError);
  });
});
