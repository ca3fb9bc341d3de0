/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hardenHttp } from '#libs/auth';
import { CaseKeyring, sealedFromJson } from '#libs/sealing';
import { createTestDataSource, dropSchema, identityFixture, uniqueName } from '#libs/testing';
import { identityMigrations } from '../../identity/src/identity.migrations.js';
import { type IntakeUnderTest, startIntake } from './support.js';

/**
 * The report form in a real headless Chromium (Debian's, through playwright-core) against the real service,
 * database and broker, signed in with a real web session: filled in Japanese with the keyboard only, one
 * field wrong, the error summary and the field's message shown with everything typed kept, corrected,
 * submitted, the case number shown. Plus the language choice, the draft kept in the browser, and the
 * refusals a browser can meet (signed out, missing CSRF token).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let identitySchema: string;
let db: DataSource;
let intake: IntakeUnderTest;
let baseUrl: string;
let browser: Browser;
let cookie: string;
let contractId: string;

beforeAll(async () => {
  identitySchema = uniqueName('e2e_form_identity');
  db = await createTestDataSource({ schema: identitySchema, migrations: identityMigrations(identitySchema) });
  const ids = identityFixture(db, identitySchema);
  const contractor = await ids.organisation('contractor');
  const client = await ids.organisation('client', '株式会社サンプル');
  const reporter = await ids.user({ orgId: contractor, roles: ['reporter'] });
  contractId = await ids.contract({
    clientOrgId: client,
    responsibleUserId: reporter,
    title: '顧客データ処理業務',
  });
  await ids.assign(contractId, reporter, 'reporter');
  cookie = await ids.session(reporter);

  intake = await startIntake(
    'e2e_form_intake',
    { IDENTITY_SCHEMA: identitySchema, AUTH_COOKIE_SECURE: 'false' },
    {
      configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
    },
  );
  const server = intake.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await intake?.close();
  await dropSchema(db, identitySchema);
  await db?.destroy();
});

async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ locale: 'ja-JP' });
  await context.addCookies([
    { name: 'lr_session', value: cookie, url: baseUrl, httpOnly: true, sameSite: 'Strict' },
  ]);
  return context.newPage();
}

/** Moves the focus with Tab (and only Tab) until the element matching `selector` has it. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 80; presses += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe('the report form in Chromium', () => {
  it('is filled in Japanese with the keyboard, refuses one wrong field keeping the rest, and takes the correction', async () => {
    const page = await signedInPage();
    await page.goto(`${baseUrl}/report?lang=ja`);
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.textContent('h1')).toBe('漏えい等の報告');
    // the only contract of the reporter is chosen already
    expect(await page.inputValue('#field-contractId')).toBe(contractId);

    await tabTo(page, '#field-discoveredAt');
    await page.keyboard.type('2026-11-31 09:30'); // there is no 31 November
    await tabTo(page, '#field-description');
    await page.keyboard.type('顧客名簿（氏名・住所）を記録したUSBメモリを電車内で紛失した');
    await tabTo(page, '#field-personsPrecision');
    await page.keyboard.press('ArrowDown'); // unknown → exact
    await page.keyboard.press('ArrowDown'); // exact → about
    await tabTo(page, '#field-personsValue');
    await page.keyboard.type('120');
    await tabTo(page, '#field-medium');
    await page.keyboard.type('USBメモリ');
    await tabTo(page, 'button[type=submit]');
    const refused = page.waitForNavigation();
    await page.keyboard.press('Enter');
    expect((await refused)?.status()).toBe(400);

    // the summary names the problem in Japanese, links to the field and has the focus
    expect(await page.textContent('#error-summary')).toContain('発見日時');
    expect(await page.getAttribute('#error-summary a', 'href')).toBe('#field-discoveredAt');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await page.getAttribute('#field-discoveredAt', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#field-discoveredAt', 'aria-describedby')).toContain(
      'discoveredAt-error',
    );
    expect(await page.textContent('#discoveredAt-error')).toContain('2026-11-25 09:30');
    // nothing typed was lost
    expect(await page.inputValue('#field-discoveredAt')).toBe('2026-11-31 09:30');
    expect(await page.inputValue('#field-description')).toBe(
      '顧客名簿（氏名・住所）を記録したUSBメモリを電車内で紛失した',
    );
    expect(await page.inputValue('#field-personsPrecision')).toBe('about');
    expect(await page.inputValue('#field-personsValue')).toBe('120');
    expect(await page.inputValue('#field-medium')).toBe('USBメモリ');
    expect(await countCases()).toBe(0);

    // the summary's link leads to the field; the keyboard corrects it and submits
    await tabTo(page, '#error-summary a');
    await page.keyboard.press('Enter');
    await tabTo(page, '#field-discoveredAt');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2026-11-24 18:05');
    await tabTo(page, 'button[type=submit]');
    const accepted = page.waitForNavigation();
    await page.keyboard.press('Enter');
    expect((await accepted)?.status()).toBe(201);

    const caseNumber = await page.textContent('#case-number');
    expect(caseNumber).toMatch(/^INC-\d{4}-\d{6}$/);
    expect(await page.textContent('main')).toContain('委託者の指定連絡先へ通知しています');

    // stored once, as the API would have: Japan time read as such, the text sealed
    type Reported = {
      discoveredAt: string;
      quantity: { persons: unknown };
      content: { description: { ciphertext: string; keyId: string } };
    };
    const [reported] = await intake.query<{ data: Reported }>(
      `SELECT data FROM events WHERE type = 'IncidentReported' AND data->>'caseNumber' = $1`,
      [caseNumber],
    );
    expect(reported.data.discoveredAt).toBe('2026-11-24T09:05:00.000Z');
    expect(reported.data.quantity.persons).toEqual({
      precision: 'COUNT_PRECISION_ESTIMATED_ABOUT',
      value: '120',
    });
    const description = sealedFromJson(reported.data.content.description);
    expect(await intake.app.get(CaseKeyring).unseal(description, 'IncidentReported.description')).toContain(
      'USBメモリ',
    );
    await page.context().close();
  });

  it('remembers the chosen language and keeps a draft in the browser until the report is received', async () => {
    const page = await signedInPage();
    await page.goto(`${baseUrl}/report?lang=en`);
    expect(await page.textContent('h1')).toBe('Report a leak');
    await page.goto(`${baseUrl}/report`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');

    await tabTo(page, '#field-description');
    await page.keyboard.type('A laptop with a client list is missing');
    // the session could expire here: the next page load (after signing in again) restores the draft
    await page.goto(`${baseUrl}/report`);
    expect(await page.inputValue('#field-description')).toBe('A laptop with a client list is missing');
    expect(await page.isVisible('#draft-restored')).toBe(true);
    await page.context().close();
  });

  it('passes its own accessibility basics: every control has a label, one h1, no inline script or style', async () => {
    const page = await signedInPage();
    const response = await page.goto(`${baseUrl}/report?lang=ja`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
        .filter((el) => !(el as HTMLInputElement).labels?.length)
        .map((el) => el.id),
    );
    expect(unlabelled).toEqual([]);
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('[style]').count()).toBe(0);
    await page.context().close();
  });
});

describe('the report form without a browser', () => {
  const form = (extra: Record<string, string> = {}) => ({
    contractId,
    discoveredAt: '2026-11-24 09:00',
    description: 'lost documents',
    personsPrecision: 'unknown',
    recordsPrecision: 'unknown',
    lang: 'en',
    ...extra,
  });

  it('gives a signed-out post its form back with what was typed, and stores nothing', async () => {
    const before = await countCases();
    const res = await request(baseUrl).post('/report').type('form').send(form()).expect(401);
    expect(res.text).toContain('your session has expired');
    expect(res.text).toContain('lost documents');
    expect(await countCases()).toBe(before);
  });

  it('treats a post without the session’s CSRF token as signed out', async () => {
    const before = await countCases();
    const res = await request(baseUrl)
      .post('/report')
      .set('Cookie', `lr_session=${cookie}`)
      .type('form')
      .send(form({ _csrf: 'forged' }))
      .expect(401);
    expect(res.text).toContain('lost documents');
    expect(await countCases()).toBe(before);
  });
});

describe('the client’s kind in the regulatory assessment', () => {
  it('applies the public-body threshold (100 persons) only when identity says the client is a public body', async () => {
    const ids = identityFixture(db, identitySchema);
    const city = await ids.organisation('client', '大阪市');
    await db.query(`UPDATE "${identitySchema}".organisations SET is_public_body = true WHERE id = $1`, [
      city,
    ]);
    const responsible = await ids.user({
      orgId: await ids.organisation('contractor'),
      roles: ['responsible'],
    });
    const cityContract = await ids.contract({ clientOrgId: city, responsibleUserId: responsible });
    const reporter = await intake.bearer('reporter', [contractId, cityContract]);
    const regimesOf = async (contract: string) => {
      const created = await request(baseUrl)
        .post('/cases')
        .set(reporter)
        .send({
          contractId: contract,
          discoveredAt: '2026-11-24T00:00:00.000Z',
          description: 'a resident list',
          persons: { precision: 'exact', value: 150 },
        })
        .expect(201);
      return (await request(baseUrl).get(`/cases/${created.body.caseId}`).set(reporter).expect(200)).body
        .assessment.regimes;
    };
    expect((await regimesOf(cityContract)).APPI_PUBLIC_BODY).toBe('yes');
    // 株式会社サンプル is not a public body: no public-body duty, and 150 persons are below 1,000
    expect((await regimesOf(contractId)).APPI_PUBLIC_BODY).toBe('no');
  });
});

async function countCases(): Promise<number> {
  const [{ count }] = await intake.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM events WHERE type = 'IncidentReported'`,
  );
  return count;
}
