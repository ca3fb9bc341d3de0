import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { ApiError } from '#libs/platform';
import type { RawRow } from '../persons/normalise.js';

export const CSV_ENCODINGS = ['auto', 'utf-8', 'shift_jis'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** Which header names hold which field. `items`: one column, items separated by `;`, `、`, `|` or `/`. */
export interface ColumnMapping {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly address: string;
  readonly language: string;
  readonly items: string;
}

export const DEFAULT_MAPPING: ColumnMapping = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  address: 'address',
  language: 'language',
  items: 'items',
};

/** One data row: its line in the file (the header is line 1) and its fields by meaning. */
export interface CsvRow {
  readonly line: number;
  readonly row: RawRow;
}

const SNIFF_BYTES = 64 * 1024;

/** Bytes up to the last complete UTF-8 sequence (a chunk may end inside a character). */
function completeUtf8(bytes: Buffer): Buffer {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    if (need > back) end -= back;
    break;
  }
  return bytes.subarray(0, end);
}

/**
 * `utf-8` when the first 64 KiB are valid UTF-8 (or start with its BOM), `shift_jis` (CP932, what Japanese
 * spreadsheets export) otherwise. ASCII-only files are UTF-8, which reads them the same.
 */
export function detectEncoding(head: Buffer): 'utf-8' | 'shift_jis' {
  if (head.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) return 'utf-8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(completeUtf8(head));
    return 'utf-8';
  } catch {
    return 'shift_jis';
  }
}

/**
 * Decodes a byte stream chunk by chunk (never the whole file in memory), refusing more than `maxBytes`
 * with 413. `onEncoding` learns the encoding once it is known (detected from the first 64 KiB for `auto`).
 */
async function* decode(
  source: AsyncIterable<Buffer | string>,
  encoding: CsvEncoding,
  maxBytes: number,
  onEncoding: (encoding: 'utf-8' | 'shift_jis') => void,
): AsyncGenerator<string> {
  let total = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let decoder: ReturnType<typeof iconv.getDecoder> | undefined;
  const start = (chosen: 'utf-8' | 'shift_jis') => {
    onEncoding(chosen);
    return iconv.getDecoder(chosen === 'utf-8' ? 'utf8' : 'cp932');
  };
  if (encoding !== 'auto') decoder = start(encoding);
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > maxBytes) {
      throw new ApiError('payload_too_large', `The file is larger than ${maxBytes} bytes.`);
    }
    if (decoder) {
      const text = decoder.write(bytes);
      if (text) yield text;
      continue;
    }
    head.push(bytes);
    headBytes += bytes.length;
    if (headBytes < SNIFF_BYTES) continue;
    const buffered = Buffer.concat(head);
    head = [];
    decoder = start(detectEncoding(buffered));
    const text = decoder.write(buffered);
    if (text) yield text;
  }
  if (!decoder) {
    const buffered = Buffer.concat(head);
    decoder = start(detectEncoding(buffered));
    const text = decoder.write(buffered);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

const cleanHeader = (value: string) => value.normalize('NFKC').trim();

/**
 * Reads the rows of a CSV file of affected persons from a stream: decoded, parsed with csv-parse (quotes,
 * embedded newlines and commas), the header row mapped to fields. A mapping naming a column the header
 * lacks, or a file that is not CSV, is refused with 400 naming the column or the line.
 */
export async function* csvRows(
  source: AsyncIterable<Buffer | string>,
  options: {
    encoding: CsvEncoding;
    mapping: ColumnMapping;
    maxBytes: number;
    onEncoding: (e: 'utf-8' | 'shift_jis') => void;
  },
): AsyncGenerator<CsvRow> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  const decoded = Readable.from(decode(source, options.encoding, options.maxBytes, options.onEncoding));
  // `pipe` does not carry a source's error (too large, unreadable) to the parser: hand it over
  decoded.on('error', (error) => parser.destroy(error));
  decoded.pipe(parser);
  let columns: Partial<Record<keyof ColumnMapping, number>> | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!columns) {
        columns = mapHeader(record.map(cleanHeader), options.mapping);
        continue;
      }
      const field = (key: keyof ColumnMapping) => {
        const index = columns?.[key];
        return index === undefined ? undefined : record[index];
      };
      yield {
        line: info.lines,
        row: {
          name: field('name'),
          email: field('email'),
          phone: field('phone'),
          address: field('address'),
          language: field('language'),
          items: field('items'),
        },
      };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new ApiError('validation', 'The file is not valid CSV.', {
        details: [{ field: 'file', problem: `line ${line ?? '?'}: ${error.message}` }],
      });
    }
    throw error;
  } finally {
    decoded.destroy();
    parser.destroy();
  }
  if (!columns) {
    throw new ApiError('validation', 'The file is empty.', {
      details: [{ field: 'file', problem: 'has no header row' }],
    });
  }
}

function mapHeader(header: string[], mapping: ColumnMapping): Partial<Record<keyof ColumnMapping, number>> {
  const columns: Partial<Record<keyof ColumnMapping, number>> = {};
  const problems = [];
  for (const key of Object.keys(mapping) as Array<keyof ColumnMapping>) {
    const index = header.indexOf(cleanHeader(mapping[key]));
    if (index >= 0) columns[key] = index;
    else if (key === 'name' || key === 'items' || mapping[key] !== DEFAULT_MAPPING[key]) {
      problems.push({ field: `mapping.${key}`, problem: `the header has no column "${mapping[key]}"` });
    }
  }
  if (columns.email === undefined && columns.phone === undefined && columns.address === undefined) {
    problems.push({ field: 'mapping', problem: 'the header has no e-mail, phone or postal address column' });
  }
  if (problems.length > 0) {
    throw new ApiError('validation', 'The column mapping does not fit the file.', { details: problems });
  }
  return columns;
}
