import { createHash } from 'node:crypto';
import { type DocumentContent, type DocumentKind, LANGUAGES, sectionsOf, textOf } from './sections.js';

/** What the safety check looks for before publishing: personal data that must not become public. */
export const FINDING_KINDS = ['email', 'card_number', 'my_number', 'phone', 'person_name'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** One match in a draft. The value itself is never returned: only a masked excerpt. */
export interface Finding {
  /** stable across revisions for the same value (kind + normalised value): an acceptance carries over */
  readonly findingId: string;
  readonly kind: FindingKind;
  /** `<language>.<section>` */
  readonly section: string;
  /** the value with most characters masked, e.g. `t***@example.jp`, `4***********1111` */
  readonly masked: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** 13 to 19 digits, optionally grouped by spaces or hyphens. */
const CARD = /(?<!\d[ -]?)\d(?:[ -]?\d){12,18}(?![ -]?\d)/g;
/** My Number: 12 digits, optionally grouped 4-4-4. */
const MY_NUMBER = /(?<!\d[ -]?)\d{4}[ -]?\d{4}[ -]?\d{4}(?![ -]?\d)/g;
/**
 * Japanese phone numbers: 0 or +81, then 9 or 10 more digits in the usual groupings
 * (03-1234-5678, 090-1234-5678, 0120-123-456, (03) 1234 5678, +81 3 1234 5678).
 */
const PHONE = /(?<![\d+])(?:\+81[ -]?\(?0?\d{1,4}\)?|\(?0\d{1,4}\)?)[ -]?\d{1,4}[ -]?\d{3,4}(?!\d)/g;

const digitsOf = (value: string) => value.replace(/\D/g, '');

/** The Luhn checksum of a card number. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function mask(kind: FindingKind, value: string): string {
  if (kind === 'person_name') return `${[...value][0]}${'*'.repeat(Math.max(1, [...value].length - 1))}`;
  if (kind === 'email') {
    const [local, domain] = value.split('@');
    return `${local.slice(0, 1)}***@${domain}`;
  }
  const digits = digitsOf(value);
  return `${digits.slice(0, 1)}${'*'.repeat(Math.max(0, digits.length - 5))}${digits.slice(-4)}`;
}

function findingId(kind: FindingKind, value: string): string {
  const normal =
    kind === 'email' ? value.toLowerCase() : kind === 'person_name' ? nameKey(value) : digitsOf(value);
  return createHash('sha256').update(`${kind}:${normal}`).digest('hex').slice(0, 24);
}

/** A name as compared: NFKC, lower case, without spaces ("山田 太郎" and "山田太郎" are one name). */
export const nameKey = (name: string) => name.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

/** Names shorter than this are not looked for: one character matches everywhere in Japanese text. */
const MIN_NAME_LENGTH = 2;

/**
 * Scans one text; each matched span is blanked so a later pattern does not match inside it. `names`: the
 * affected persons' names of the case (when known), found whatever the spacing.
 */
export function scanText(text: string, section: string, names: readonly string[] = []): Finding[] {
  let rest = text.normalize('NFKC');
  const findings: Finding[] = [];
  const take = (kind: FindingKind, pattern: RegExp, accept: (value: string) => boolean = () => true) => {
    rest = rest.replace(pattern, (value) => {
      if (!accept(value)) return value;
      findings.push({ findingId: findingId(kind, value), kind, section, masked: mask(kind, value) });
      return ' '.repeat(value.length);
    });
  };
  take('email', EMAIL);
  take('card_number', CARD, (value) => luhnValid(digitsOf(value)));
  take('my_number', MY_NUMBER);
  take('phone', PHONE, (value) => {
    const digits = digitsOf(value);
    return digits.startsWith('81')
      ? digits.length >= 11 && digits.length <= 12
      : digits.length >= 10 && digits.length <= 11;
  });
  const compact = nameKey(rest);
  const seen = new Set<string>();
  for (const name of names) {
    const key = nameKey(name);
    if ([...key].length < MIN_NAME_LENGTH || seen.has(key) || !compact.includes(key)) continue;
    seen.add(key);
    findings.push({
      findingId: findingId('person_name', name),
      kind: 'person_name',
      section,
      masked: mask('person_name', key),
    });
  }
  return findings;
}

/** Every finding of a document, one per (value, section). */
export function scanContent(
  kind: DocumentKind,
  content: DocumentContent,
  names: readonly string[] = [],
): Finding[] {
  const findings: Finding[] = [];
  for (const language of LANGUAGES) {
    for (const section of sectionsOf(kind)) {
      findings.push(...scanText(textOf(content[language]?.[section] ?? ''), `${language}.${section}`, names));
    }
  }
  return findings;
}
