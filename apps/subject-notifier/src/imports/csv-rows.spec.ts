import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { type CsvRow, csvRows, DEFAULT_MAPPING, detectEncoding } from './csv-rows.js';

async function* chunks(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function read(bytes: Buffer, size = 7, encoding: 'auto' | 'utf-8' | 'shift_jis' = 'auto') {
  const rows: CsvRow[] = [];
  let chosen = '';
  for await (const row of csvRows(chunks(bytes, size), {
    encoding,
    mapping: DEFAULT_MAPPING,
    maxBytes: 1_000_000,
    onEncoding: (e) => {
      chosen = e;
    },
  })) {
    rows.push(row);
  }
  return { rows, chosen };
}

describe('CSV rows from a byte stream', () => {
  const text = 'name,email,items\r\n山田 太郎,t@example.jp,"氏名、住所"\r\n"複数\n行",x@example.jp,氏名\r\n';

  it('detects UTF-8 and Shift_JIS and decodes across chunk boundaries', async () => {
    expect(detectEncoding(Buffer.from(text))).toBe('utf-8');
    expect(detectEncoding(iconv.encode(text, 'cp932'))).toBe('shift_jis');
    for (const bytes of [Buffer.from(text), iconv.encode(text, 'cp932')]) {
      const { rows } = await read(bytes);
      expect(rows.map((row) => row.row.name)).toEqual(['山田 太郎', '複数\n行']);
      expect(rows[0]).toMatchObject({ line: 2, row: { items: '氏名、住所', email: 't@example.jp' } });
    }
  });

  it('strips a UTF-8 byte-order mark from the header', async () => {
    const { rows, chosen } = await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(chosen).toBe('utf-8');
    expect(rows[0].row.name).toBe('山田 太郎');
  });

  it('refuses an unclosed quote with its line', async () => {
    await expect(read(Buffer.from('name,email,items\nA,"a@example.jp,x\n'))).rejects.toMatchObject({
      kind: 'validation',
    });
  });

  it('refuses a file larger than the limit while streaming', async () => {
    const rows = csvRows(chunks(Buffer.alloc(5_000, 0x61), 100), {
      encoding: 'utf-8',
      mapping: DEFAULT_MAPPING,
      maxBytes: 1_000,
      onEncoding: () => {},
    });
    await expect(rows.next()).rejects.toMatchObject({ kind: 'payload_too_large' });
  });
});
