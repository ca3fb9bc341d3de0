#!/usr/bin/env node
// Creates the databases named by the given PostgreSQL URLs when they are missing.
// Used by infra.sh when `psql` is not installed. Each URL's server is reached through its
// `postgres` maintenance database.
//
// Usage: node deploy/local/pg-ensure-db.mjs postgres://user@host:5432/db [more URLs...]
// Exit codes: 0 done, 3 a server did not answer, 64 bad usage.
import pg from 'pg';

const urls = process.argv.slice(2);
if (urls.length === 0) {
  console.error('pg-ensure-db: give at least one postgres:// URL');
  process.exit(64);
}

/** The database name in the URL's path, and the same URL pointing at the maintenance database. */
function splitUrl(raw) {
  const url = new URL(raw);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`no database name in ${url.protocol}//${url.host}`);
  url.pathname = '/postgres';
  return { database, adminUrl: url.toString(), server: url.host };
}

for (const raw of urls) {
  const { database, adminUrl, server } = splitUrl(raw);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    console.error(`pg-ensure-db: PostgreSQL at ${server} does not answer: ${error.message}`);
    process.exit(3);
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      // Identifiers cannot be bound as parameters; quote the name the way PostgreSQL does.
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
      console.log(`pg-ensure-db: created database ${database} on ${server}`);
    } else {
      console.log(`pg-ensure-db: database ${database} exists on ${server}`);
    }
  } finally {
    await client.end();
  }
}
