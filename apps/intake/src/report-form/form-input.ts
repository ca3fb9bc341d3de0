import { plainToInstance } from 'class-transformer';
import { type ValidationError as ClassValidationError, validate } from 'class-validator';
import { ReportIncidentDto } from '../cases/report-incident.dto.js';

/** What the browser posted: every field as typed (a string, or several for the checkboxes). */
export type FormValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The names of the form's fields, in page order (also the order of the error summary). */
export const FORM_FIELDS = [
  'contractId',
  'discoveredAt',
  'occurredAt',
  'description',
  'dataKinds',
  'persons',
  'records',
  'place',
  'circumstances',
  'encrypted',
  'improperPurposeSuspected',
  'euPersonsPossiblyAffected',
  'measuresTaken',
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

export const PLACE_FIELDS = ['site', 'system', 'medium', 'route'] as const;
export const CIRCUMSTANCE_FIELDS = ['whatHappened', 'howDiscovered'] as const;

/** A form time: Japan time as `2026-11-25 09:30` (or with `T`, or with seconds). */
const FORM_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The instant of a form time in Japan time (UTC+9, no daylight saving), or undefined when it is not one. */
export function parseFormTime(text: string): string | undefined {
  const match = FORM_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '00'] = match;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}+09:00`;
  const instant = new Date(iso);
  // 2026-02-30 would roll over: refuse what does not read back as written
  const jst = new Date(instant.getTime() + 9 * 3600_000).toISOString();
  if (Number.isNaN(instant.getTime()) || jst.slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`)
    return undefined;
  return instant.toISOString();
}

/** A single value of a field ('' when absent). */
export function single(values: FormValues, name: string): string {
  const value = values[name];
  return typeof value === 'string' ? value : (value?.[0] ?? '');
}

function many(values: FormValues, name: string): string[] {
  const value = values[name];
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

const present = (text: string) => (text.trim() === '' ? undefined : text);

function countOf(values: FormValues, name: 'persons' | 'records') {
  const precision = single(values, `${name}Precision`) || 'unknown';
  if (precision === 'unknown') return { precision };
  const text = single(values, `${name}Value`).trim();
  // a number typed with digit group separators is fine; anything else stays a string and fails validation
  const digits = text.replaceAll(/[,，]/g, '');
  return { precision, value: /^\d+$/.test(digits) ? Number(digits) : text };
}

function partsOf(values: FormValues, names: readonly string[]) {
  const parts = Object.fromEntries(
    names.map((name) => [name, present(single(values, name))]).filter(([, v]) => v),
  );
  return Object.keys(parts).length ? parts : undefined;
}

/** The form as the API's report body, and the problems found before validation (unreadable times). */
export function reportBodyOf(values: FormValues): {
  body: Record<string, unknown>;
  problems: Set<FormField>;
} {
  const problems = new Set<FormField>();
  const time = (field: 'discoveredAt' | 'occurredAt', required: boolean) => {
    const text = single(values, field).trim();
    if (text === '') {
      if (required) problems.add(field);
      return undefined;
    }
    const instant = parseFormTime(text);
    if (!instant) problems.add(field);
    return instant;
  };
  const body: Record<string, unknown> = {
    contractId: present(single(values, 'contractId')),
    discoveredAt: time('discoveredAt', true),
    occurredAt: time('occurredAt', false),
    description: single(values, 'description'),
    dataKinds: many(values, 'dataKinds'),
    persons: countOf(values, 'persons'),
    records: countOf(values, 'records'),
    place: partsOf(values, PLACE_FIELDS),
    circumstances: partsOf(values, CIRCUMSTANCE_FIELDS),
    encrypted: present(single(values, 'encrypted')),
    improperPurposeSuspected: present(single(values, 'improperPurposeSuspected')),
    euPersonsPossiblyAffected: present(single(values, 'euPersonsPossiblyAffected')),
    measuresTaken: present(single(values, 'measuresTaken')),
  };
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
  return { body, problems };
}

const isFormField = (name: string): name is FormField => (FORM_FIELDS as readonly string[]).includes(name);

/**
 * Validates the report body with the API's own rules (the DTO's decorators), so the form and the API accept
 * and refuse exactly the same reports. Answers the fields with a problem.
 */
export async function validateReportBody(body: Record<string, unknown>): Promise<{
  dto: ReportIncidentDto;
  problems: Set<FormField>;
}> {
  const dto = plainToInstance(ReportIncidentDto, body);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  const problems = new Set<FormField>();
  const visit = (error: ClassValidationError) => {
    if (isFormField(error.property)) problems.add(error.property);
  };
  errors.forEach(visit);
  return { dto, problems };
}

/** The form field a domain or API error names (`persons.value` → `persons`), if it is one of the form's. */
export function formFieldOf(field: unknown): FormField | undefined {
  if (typeof field !== 'string') return undefined;
  const top = field.split('.')[0];
  return isFormField(top) ? top : undefined;
}
