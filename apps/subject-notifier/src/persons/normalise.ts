/**
 * Normalisation and validation of one row of affected persons (pure). Normalised e-mail addresses and
 * phone numbers are what duplicates are recognised by (through their keyed digests, never in clear).
 */

export const LANGUAGES = ['ja', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A person as read from a row, normalised. */
export interface PersonFields {
  readonly name: string;
  readonly email?: string;
  readonly phone?: string;
  readonly address?: string;
  readonly language: Language;
  readonly items: readonly string[];
}

export interface RawRow {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly address?: string;
  readonly language?: string;
  readonly items?: string;
}

export type RowCheck =
  | { readonly ok: true; readonly person: PersonFields }
  | { readonly ok: false; readonly reasons: string[] };

const EMAIL =
  /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const MAX_FIELD = 1_000;

const clean = (value: string | undefined): string => (value ?? '').normalize('NFKC').trim();

/** Lower-cased, NFKC (full-width letters to ASCII), trimmed; `undefined` when not an address. */
export function normaliseEmail(raw: string | undefined): string | undefined {
  const value = clean(raw).toLowerCase();
  return EMAIL.test(value) && value.length <= 254 ? value : undefined;
}

/**
 * Digits only (full-width digits and the separators `-`, space, `(`, `)`, `.` removed), `+81` as the
 * domestic `0`: `03-1234-5678`, `０３（１２３４）５６７８` and `+81 3 1234 5678` are the same number.
 * `undefined` unless 10–11 digits starting with 0, or `+` and 8–15 digits.
 */
export function normalisePhone(raw: string | undefined): string | undefined {
  let value = clean(raw).replace(/[\s\-().‐－ー―]/g, '');
  if (value.startsWith('+81')) value = `0${value.slice(3)}`;
  if (/^0\d{9,10}$/.test(value)) return value;
  if (/^\+\d{8,15}$/.test(value)) return value;
  return undefined;
}

/** `ja`/`en`, also `日本語`, `japanese`, `英語`, `english`; empty means Japanese. */
export function normaliseLanguage(raw: string | undefined): Language | undefined {
  const value = clean(raw).toLowerCase();
  if (value === '' || value === 'ja' || value === 'jp' || value === 'japanese' || value === '日本語')
    return 'ja';
  if (value === 'en' || value === 'english' || value === '英語') return 'en';
  return undefined;
}

/** The leaked items of one person: separated by `;`, `、`, `|` or `/`. */
export function splitItems(raw: string | undefined): string[] {
  return clean(raw)
    .split(/[;；、|｜/]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Validates one row: every problem of the row as a reason (in English, for the validation report). */
export function checkRow(row: RawRow): RowCheck {
  const reasons: string[] = [];
  const name = clean(row.name);
  if (name === '') reasons.push('name: missing');
  const rawEmail = clean(row.email);
  const email = rawEmail === '' ? undefined : normaliseEmail(rawEmail);
  if (rawEmail !== '' && email === undefined) reasons.push('email: not a valid e-mail address');
  const rawPhone = clean(row.phone);
  const phone = rawPhone === '' ? undefined : normalisePhone(rawPhone);
  if (rawPhone !== '' && phone === undefined) reasons.push('phone: not a valid phone number');
  const address = clean(row.address) || undefined;
  if (rawEmail === '' && rawPhone === '' && address === undefined) {
    reasons.push('contact: no e-mail, phone or postal address');
  }
  const language = normaliseLanguage(row.language);
  if (language === undefined) reasons.push('language: must be ja or en');
  const items = splitItems(row.items);
  if (items.length === 0) reasons.push('items: no leaked data items');
  for (const [field, value] of [
    ['name', name],
    ['address', address ?? ''],
    ['items', clean(row.items)],
  ] as const) {
    if (value.length > MAX_FIELD) reasons.push(`${field}: longer than ${MAX_FIELD} characters`);
  }
  if (reasons.length > 0 || language === undefined) return { ok: false, reasons };
  return {
    ok: true,
    person: {
      name,
      ...(email === undefined ? {} : { email }),
      ...(phone === undefined ? {} : { phone }),
      ...(address === undefined ? {} : { address }),
      language,
      items,
    },
  };
}

/** Merges a duplicate into a person: the first row's fields win, missing ones are filled, items are united. */
export function mergePersons(first: PersonFields, second: PersonFields): PersonFields {
  return {
    name: first.name,
    email: first.email ?? second.email,
    phone: first.phone ?? second.phone,
    address: first.address ?? second.address,
    language: first.language,
    items: [...new Set([...first.items, ...second.items])],
  };
}
