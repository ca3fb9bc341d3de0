import { describe, expect, it } from 'vitest';
import {
  checkRow,
  mergePersons,
  normaliseEmail,
  normaliseLanguage,
  normalisePhone,
  splitItems,
} from './normalise.js';

describe('normalisation of affected persons', () => {
  it('normalises e-mail addresses (case, full-width) and refuses malformed ones', () => {
    expect(normaliseEmail(' Taro.Yamada@Example.JP ')).toBe('taro.yamada@example.jp');
    expect(normaliseEmail('ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ')).toBe('taro@example.jp');
    expect(normaliseEmail('taro@@example.jp')).toBeUndefined();
    expect(normaliseEmail('taro@localhost')).toBeUndefined();
    expect(normaliseEmail('')).toBeUndefined();
  });

  it('recognises one phone number in its usual spellings', () => {
    for (const spelling of ['03-1234-5678', '０３（１２３４）５６７８', '+81 3 1234 5678', '0312345678']) {
      expect(normalisePhone(spelling)).toBe('0312345678');
    }
    expect(normalisePhone('090-1234-5678')).toBe('09012345678');
    expect(normalisePhone('12345')).toBeUndefined();
    expect(normalisePhone('03-1234-567x')).toBeUndefined();
  });

  it('reads languages and item lists', () => {
    expect(normaliseLanguage('')).toBe('ja');
    expect(normaliseLanguage('English')).toBe('en');
    expect(normaliseLanguage('fr')).toBeUndefined();
    expect(splitItems('氏名、メールアドレス; 電話番号|')).toEqual(['氏名', 'メールアドレス', '電話番号']);
  });

  it('reports every problem of a row', () => {
    expect(checkRow({ name: '', email: 'bad@', items: '' })).toEqual({
      ok: false,
      reasons: ['name: missing', 'email: not a valid e-mail address', 'items: no leaked data items'],
    });
    expect(checkRow({ name: '山田', items: '氏名' })).toEqual({
      ok: false,
      reasons: ['contact: no e-mail, phone or postal address'],
    });
    expect(
      checkRow({ name: ' 山田 太郎 ', email: 'T@EXAMPLE.JP', items: '氏名、メール', language: '' }),
    ).toEqual({
      ok: true,
      person: { name: '山田 太郎', email: 't@example.jp', language: 'ja', items: ['氏名', 'メール'] },
    });
  });

  it('merges a duplicate: first fields win, items united', () => {
    expect(
      mergePersons(
        { name: 'A', email: 'a@example.jp', language: 'ja', items: ['x'] },
        { name: 'B', phone: '0312345678', language: 'en', items: ['x', 'y'] },
      ),
    ).toEqual({
      name: 'A',
      email: 'a@example.jp',
      phone: '0312345678',
      address: undefined,
      language: 'ja',
      items: ['x', 'y'],
    });
  });
});
