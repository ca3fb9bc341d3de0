import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  accessTokenOf,
  type IdentityUnderTest,
  seedAdmin,
  signIn,
  startIdentity,
  type WebSession,
} from './support.js';

/**
 * An admin sets up tenants over the API (client organisations, users, contracts with their
 * responsible person, assignments and contacts); the access tokens then carry exactly the contracts
 * each principal may see.
 */
let identity: IdentityUnderTest;
let admin: WebSession;
let operatorOrgId: string;

const PASSWORD = 'a long enough password';

beforeAll(async () => {
  identity = await startIdentity();
  await seedAdmin(identity);
  admin = await signIn(identity, ADMIN_EMAIL, ADMIN_PASSWORD);
  [{ id: operatorOrgId }] = await identity.dataSource.query(
    `SELECT id FROM organisations WHERE kind = 'contractor'`,
  );
});

afterAll(async () => {
  await identity?.close();
});

const asAdmin = {
  post: (path: string, body: object) =>
    identity.http().post(path).set('Cookie', admin.cookie).set('X-CSRF-Token', admin.csrfToken).send(body),
  put: (path: string, body: object) =>
    identity.http().put(path).set('Cookie', admin.cookie).set('X-CSRF-Token', admin.csrfToken).send(body),
  get: (path: string) => identity.http().get(path).set('Cookie', admin.cookie),
};

async function createUser(orgId: string, email: string, roles: string[]): Promise<string> {
  const res = await asAdmin.post('/admin/users', {
    orgId,
    email,
    displayName: email.split('@')[0],
    roles,
    password: PASSWORD,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function claimsOf(email: string): Promise<JWTPayload> {
  const token = await accessTokenOf(identity, await signIn(identity, email, PASSWORD));
  const jwks = await identity.http().get('/.well-known/jwks.json').expect(200);
  return (await jwtVerify(token, createLocalJWKSet(jwks.body))).payload;
}

describe('administration and the contracts in access tokens', () => {
  let clientA: string;
  let clientB: string;
  let contractA1: string;
  let contractA2: string;
  let contractB1: string;

  it('an admin creates client organisations, users, contracts, assignments and contacts', async () => {
    clientA = (await asAdmin.post('/admin/organisations', { name: 'Client A KK' }).expect(201)).body.id;
    clientB = (
      await asAdmin.post('/admin/organisations', { name: 'City of B', isPublicBody: true }).expect(201)
    ).body.id;

    const responsible = await createUser(operatorOrgId, 'responsible@operator.example', [
      'responsible',
      'responder',
    ]);
    const responder = await createUser(operatorOrgId, 'responder@operator.example', ['responder']);
    const reporter = await createUser(operatorOrgId, 'reporter@operator.example', ['reporter']);
    await createUser(clientA, 'officer@client-a.example', ['client_officer']);
    await createUser(clientB, 'officer@client-b.example', ['client_officer']);
    await createUser(operatorOrgId, 'auditor@operator.example', ['auditor']);

    const contract = (clientOrgId: string, title: string) =>
      asAdmin.post('/admin/contracts', { clientOrgId, title, responsibleUserId: responsible }).expect(201);
    contractA1 = (await contract(clientA, 'A: payroll processing')).body.id;
    contractA2 = (await contract(clientA, 'A: call centre')).body.id;
    contractB1 = (await contract(clientB, 'B: resident registry')).body.id;

    await asAdmin
      .post(`/admin/contracts/${contractA1}/assignments`, { userId: responder, role: 'responder' })
      .expect(201);
    await asAdmin
      .post(`/admin/contracts/${contractA2}/assignments`, { userId: reporter, role: 'reporter' })
      .expect(201);
    const withContacts = await asAdmin
      .put(`/admin/contracts/${contractA1}/contacts`, {
        contacts: [
          {
            name: '山田 花子',
            email: 'Hanako.Yamada@client-a.example',
            phone: '+81-3-1234-5678',
            language: 'ja',
            priority: 1,
          },
          { name: 'John Smith', email: 'john@client-a.example', language: 'en', priority: 2 },
        ],
      })
      .expect(200);

    expect(withContacts.body).toMatchObject({
      id: contractA1,
      clientOrgId: clientA,
      responsibleUserId: responsible,
      assignments: expect.arrayContaining([
        { userId: responsible, role: 'responsible' },
        { userId: responder, role: 'responder' },
      ]),
      contacts: [
        { name: '山田 花子', email: 'hanako.yamada@client-a.example', language: 'ja', priority: 1 },
        { name: 'John Smith', email: 'john@client-a.example', language: 'en', priority: 2, phone: null },
      ],
    });
    const trail = await identity.dataSource.query(`SELECT action FROM admin_changes ORDER BY id`);
    expect(trail.map((row: { action: string }) => row.action)).toEqual(
      expect.arrayContaining([
        'organisation.created',
        'user.created',
        'contract.created',
        'contract.assigned',
        'contract.contacts_set',
      ]),
    );
    expect(JSON.stringify(await identity.dataSource.query('SELECT * FROM admin_changes'))).not.toContain(
      'client-a.example',
    );
  });

  it("a client officer's token carries exactly its organisation's contracts", async () => {
    expect(await claimsOf('officer@client-a.example')).toMatchObject({
      ok: 'client',
      org: clientA,
      roles: ['client_officer'],
      ctr: [contractA1, contractA2].sort(),
    });
    expect((await claimsOf('officer@client-b.example')).ctr).toEqual([contractB1]);
  });

  it('contractor staff carry only the contracts they are assigned to; auditors see all', async () => {
    expect((await claimsOf('reporter@operator.example')).ctr).toEqual([contractA2]);
    expect((await claimsOf('responder@operator.example')).ctr).toEqual([contractA1]);
    expect((await claimsOf('responsible@operator.example')).ctr).toEqual(
      [contractA1, contractA2, contractB1].sort(),
    );
    expect((await claimsOf('auditor@operator.example')).ctr).toBe('all');
  });

  it('refuses roles that do not fit the organisation, and a responsible person without the role', async () => {
    await asAdmin
      .post('/admin/users', {
        orgId: operatorOrgId,
        email: 'x@operator.example',
        displayName: 'X',
        roles: ['client_officer'],
        password: PASSWORD,
      })
      .expect(400);
    await asAdmin
      .post('/admin/users', {
        orgId: clientA,
        email: 'y@client-a.example',
        displayName: 'Y',
        roles: ['admin'],
        password: PASSWORD,
      })
      .expect(400);
    const reporterId = (await asAdmin.get('/admin/users').expect(200)).body.find(
      (user: { email: string }) => user.email === 'reporter@operator.example',
    ).id;
    await asAdmin
      .post('/admin/contracts', { clientOrgId: clientA, title: 'bad', responsibleUserId: reporterId })
      .expect(400);
    await asAdmin
      .post('/admin/users', {
        orgId: clientA,
        email: 'OFFICER@client-a.example',
        displayName: 'dup',
        roles: ['client_officer'],
        password: PASSWORD,
      })
      .expect(409);
    await asAdmin
      .post('/admin/users', {
        orgId: clientA,
        email: 'z@client-a.example',
        displayName: 'Z',
        roles: ['client_officer'],
        password: 'short',
      })
      .expect(400);
  });

  it('auditors read the lists but change nothing; others may not even read them', async () => {
    const auditor = await signIn(identity, 'auditor@operator.example', PASSWORD);
    const orgs = await identity.http().get('/admin/organisations').set('Cookie', auditor.cookie).expect(200);
    expect(orgs.body).toHaveLength(3);
    await identity.http().get(`/admin/contracts/${contractA1}`).set('Cookie', auditor.cookie).expect(200);
    await identity
      .http()
      .post('/admin/organisations')
      .set('Cookie', auditor.cookie)
      .set('X-CSRF-Token', auditor.csrfToken)
      .send({ name: 'Not allowed' })
      .expect(403);

    const officer = await signIn(identity, 'officer@client-a.example', PASSWORD);
    await identity.http().get('/admin/users').set('Cookie', officer.cookie).expect(403);
    await identity.http().get('/admin/users').expect(401);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = await identity.http().get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/login',
        '/auth/token',
        '/admin/contracts/{contractId}/contacts',
        '/api-tokens',
      ]),
    );
    expect(doc.body.components.schemas).toHaveProperty('ContractDetailDto');
  });
});
