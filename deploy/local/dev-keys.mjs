// Development keys for running the system on this machine (never for a real deployment):
// an Ed25519 key pair that signs and verifies access tokens, a key for signed links and a sealing master key.
// Writes deploy/local/.state/dev-keys.env once; later runs keep the existing keys, so sessions, links and
// sealed texts survive restarts (a file from before the sealing key only gets that key added). Delete the
// file to rotate (the sealed texts of existing cases can then no longer be opened). Used by
// deploy/local/start.sh.
//
//   node deploy/local/dev-keys.mjs            # create the file if missing, print its path
//
// The file is shell syntax (source it with `set -a`):
//   AUTH_SIGNING_KEY  private JWK (identity only)
//   AUTH_PUBLIC_KEYS  JWKS with the public key (every service)
//   LINK_SIGNING_KEY  32 random bytes, base64url (services that issue or accept signed links)
//   SEALING_MASTER_KEYS  one master key `dev1:<32 random bytes, base64url>` (services that seal case texts)
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = process.env.DEV_KEYS_FILE ?? join(here, '.state', 'dev-keys.env');

const sealingMasterKeysLine = () => `SEALING_MASTER_KEYS='dev1:${randomBytes(32).toString('base64url')}'`;

if (existsSync(target)) {
  // A file made before sealing existed: add the master key, keep everything else.
  if (!/^SEALING_MASTER_KEYS=/m.test(readFileSync(target, 'utf8'))) {
    appendFileSync(target, `${sealingMasterKeysLine()}\n`);
  }
  process.stdout.write(`${target}\n`);
  process.exit(0);
}

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const publicJwk = publicKey.export({ format: 'jwk' });
const privateJwk = privateKey.export({ format: 'jwk' });
// RFC 7638 thumbprint of the public key: a stable, unique key id.
const thumbprint = createHash('sha256')
  .update(JSON.stringify({ crv: publicJwk.crv, kty: publicJwk.kty, x: publicJwk.x }))
  .digest('base64url');
const kid = `dev-${thumbprint.slice(0, 16)}`;

const signingKey = JSON.stringify({ ...privateJwk, kid, alg: 'EdDSA', use: 'sig' });
const publicKeys = JSON.stringify({ keys: [{ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }] });
const linkKey = randomBytes(32).toString('base64url');

mkdirSync(dirname(target), { recursive: true });
writeFileSync(
  target,
  [
    '# Development keys made by deploy/local/dev-keys.mjs. Local use only; delete to rotate.',
    `AUTH_SIGNING_KEY='${signingKey}'`,
    `AUTH_PUBLIC_KEYS='${publicKeys}'`,
    `LINK_SIGNING_KEY='${linkKey}'`,
    sealingMasterKeysLine(),
    '',
  ].join('\n'),
  { mode: 0o600 },
);
chmodSync(target, 0o600);
process.stdout.write(`${target}\n`);
