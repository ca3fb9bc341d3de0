import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import {
  bearer,
  createWorld,
  http,
  type SubjectsApp,
  startSubjects,
  TestCase,
  type World,
} from './support.js';

/**
 * The import of affected persons: a Shift_JIS (CP932) file as a Japanese spreadsheet exports it, with bad
 * rows and duplicates; a validation report before anything is accepted; encrypted at rest.
 */

let world: World;
let smtp: TestSmtpServer;
let service: SubjectsApp;
let testCase: TestCase;
let responder: string;

const HEADER = '氏名,メールアドレス,電話番号,住所,言語,漏えい項目';
const LINES = [
  '山田 太郎,taro.yamada@example.jp,03-1234-5678,,ja,氏名、メールアドレス、電話番号', // line 2
  '佐藤 花子,hanako@example.jp,,,ja,氏名、メールアドレス', // 3
  '鈴木 一郎,not-an-address,,,ja,氏名', // 4: bad e-mail
  '高橋 次郎,,,,ja,氏名', // 5: no contact
  '田中 三郎,saburo@example.jp,,,fr,氏名', // 6: bad language
  '山田 太郎,TARO.YAMADA@example.jp,,東京都千代田区１－１,ja,住所', // 7: duplicate of line 2 (e-mail)
  '髙橋 ①子,,０９０（１１１１）２２２２,大阪府大阪市北区２－２,en,氏名、電話番号', // 8: CP932-only characters
  '"渡辺, 四郎",shiro@example.jp,+81 90 1111 2222,,ja,"氏名; クレジットカード番号"', // 9: duplicate of 8 (phone)
];

beforeAll(async () => {
  world = await createWorld('sn_import');
  smtp = await startTestSmtpServer();
  service = await startSubjects(world, smtp.port);
  testCase = new TestCase(world);
  await testCase.publish([testCase.reported()], { instructions: 0 });
  responder = await bearer(world, 'responder', [testCase.contractId]);
});

afterAll(async () => {
  await service?.app.close();
  await smtp?.close();
  await world?.close();
});

describe('import of affected persons from a Shift_JIS CSV', () => {
  let importId: string;

  it('reports the bad lines with their reasons and the merged duplicates before accepting anything', async () => {
    const file = iconv.encode(`${[HEADER, ...LINES].join('\r\n')}\r\n`, 'cp932');
    const res = await http(service)
      .post(
        `/cases/${testCase.caseId}/imports?${new URLSearchParams({
          nameColumn: '氏名',
          emailColumn: 'メールアドレス',
          phoneColumn: '電話番号',
          addressColumn: '住所',
          languageColumn: '言語',
          itemsColumn: '漏えい項目',
        })}`,
      )
      .set('Authorization', responder)
      .set('Content-Type', 'text/csv')
      .send(file)
      .expect(201);
    importId = res.body.importId;
    expect(res.body).toMatchObject({
      status: 'reported',
      encoding: 'shift_jis',
      rowsRead: 8,
      rowsValid: 5,
      rowsRejected: 3,
      duplicatesMerged: 2,
    });
    expect(res.body.problems).toEqual([
      { line: 4, outcome: 'rejected', reasons: ['email: not a valid e-mail address'] },
      { line: 5, outcome: 'rejected', reasons: ['contact: no e-mail, phone or postal address'] },
      { line: 6, outcome: 'rejected', reasons: ['language: must be ja or en'] },
      { line: 7, outcome: 'merged', reasons: ['duplicate of line 2 (same e-mail): merged'] },
      { line: 9, outcome: 'merged', reasons: ['duplicate of line 8 (same phone): merged'] },
    ]);
    // nothing is a person before the confirmation
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM "${world.schema}".persons`);
    expect(n).toBe(0);
    const again = await http(service)
      .get(`/cases/${testCase.caseId}/imports/${importId}`)
      .set('Authorization', responder)
      .expect(200);
    expect(again.body.problems).toEqual(res.body.problems);
  });

  it('imports the good rows on confirmation, duplicates merged, names read back correctly', async () => {
    const confirmed = await http(service)
      .post(`/cases/${testCase.caseId}/imports/${importId}/confirmation`)
      .set('Authorization', responder)
      .expect(200);
    expect(confirmed.body).toEqual({ personsCreated: 3, personsMerged: 2, personsTotal: 3 });
    await http(service)
      .post(`/cases/${testCase.caseId}/imports/${importId}/confirmation`)
      .set('Authorization', responder)
      .expect(409);

    const res = await http(service)
      .get(`/cases/${testCase.caseId}/persons`)
      .set('Authorization', responder)
      .expect(200);
    expect(res.body.persons).toEqual([
      {
        ref: 'P000001',
        name: '山田 太郎',
        email: 'taro.yamada@example.jp',
        phone: '0312345678',
        address: '東京都千代田区1-1',
        language: 'ja',
        items: ['氏名', 'メールアドレス', '電話番号', '住所'],
      },
      {
        ref: 'P000002',
        name: '佐藤 花子',
        email: 'hanako@example.jp',
        language: 'ja',
        items: ['氏名', 'メールアドレス'],
      },
      {
        ref: 'P000003',
        name: '髙橋 1子',
        email: 'shiro@example.jp',
        phone: '09011112222',
        address: '大阪府大阪市北区2-2',
        language: 'en',
        items: ['氏名', '電話番号', 'クレジットカード番号'],
      },
    ]);
  });

  it('leaves no clear name, address, e-mail or phone in the database', async () => {
    const tables: Array<{ table_name: string }> = await world.db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [world.schema],
    );
    const needles = [
      '山田',
      '太郎',
      '佐藤',
      '髙橋',
      'taro.yamada',
      'hanako@',
      'shiro@',
      '0312345678',
      '09011112222',
      '東京都',
      '大阪府',
      'クレジットカード',
    ];
    for (const { table_name } of tables) {
      const rows: Array<{ dump: string }> = await world.db.query(
        `SELECT t::text AS dump FROM "${world.schema}"."${table_name}" t`,
      );
      const text = rows.map((row) => row.dump).join('\n');
      for (const needle of needles) expect(text, `${table_name} holds "${needle}"`).not.toContain(needle);
    }
    const [person] = await world.db.query(`SELECT name, email_digest FROM "${world.schema}".persons LIMIT 1`);
    expect(Buffer.isBuffer(person.name)).toBe(true);
    expect(person.email_digest).toHaveLength(32);
  });

  it('merges a later import into the existing persons by normalised e-mail', async () => {
    const res = await http(service)
      .post(`/cases/${testCase.caseId}/imports`)
      .set('Authorization', responder)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .send('name,email,items\nHanako Sato,HANAKO@EXAMPLE.JP,生年月日\nNew Person,new@example.jp,氏名\n')
      .expect(201);
    expect(res.body).toMatchObject({ encoding: 'utf-8', rowsValid: 2, duplicatesMerged: 1 });
    expect(res.body.problems).toEqual([
      { line: 2, outcome: 'merged', reasons: ['same e-mail or phone as a person already imported: merged'] },
    ]);
    await http(service)
      .post(`/cases/${testCase.caseId}/imports/${res.body.importId}/confirmation`)
      .set('Authorization', responder)
      .expect(200, { personsCreated: 1, personsMerged: 1, personsTotal: 4 });
    const persons = await http(service)
      .get(`/cases/${testCase.caseId}/persons`)
      .set('Authorization', responder);
    expect(persons.body.persons[1]).toMatchObject({
      name: '佐藤 花子',
      items: ['氏名', 'メールアドレス', '生年月日'],
    });
  });

  it('refuses a mapping that does not fit, a non-CSV body, and other tenants', async () => {
    const bad = await http(service)
      .post(`/cases/${testCase.caseId}/imports?itemsColumn=leaked`)
      .set('Authorization', responder)
      .set('Content-Type', 'text/csv')
      .send('name,email,items\nA,a@example.jp,x\n')
      .expect(400);
    expect(bad.body.error.details).toEqual([
      { field: 'mapping.items', problem: 'the header has no column "leaked"' },
    ]);
    await http(service)
      .post(`/cases/${testCase.caseId}/imports`)
      .set('Authorization', responder)
      .set('Content-Type', 'application/json')
      .send({ a: 1 })
      .expect(415);
    const malformed = await http(service)
      .get('/cases/not-a-case/persons')
      .set('Authorization', responder)
      .expect(400);
    expect(malformed.body.error.details).toEqual([{ field: 'caseId', problem: 'must be a UUID' }]);
    const stranger = await bearer(world, 'responder', [crypto.randomUUID()]);
    await http(service).get(`/cases/${testCase.caseId}/persons`).set('Authorization', stranger).expect(404);
    await http(service)
      .post(`/cases/${testCase.caseId}/imports`)
      .set('Authorization', stranger)
      .set('Content-Type', 'text/csv')
      .send('name,email,items\nA,a@example.jp,x\n')
      .expect(404);
  });
});
