import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, ValidateIf } from 'class-validator';

/**
 * Free-text fields of the case API. The text arrives in plain form over TLS and is sealed with the case's
 * key before it is stored (see docs/sealing.md); it is never logged or stored as is.
 */

/** Longest free text accepted in one field, in UTF-16 code units (what `MaxLength` counts). */
export const MAX_FREE_TEXT_LENGTH = 10_000;

function textRules(target: object, key: string | symbol): void {
  IsString()(target, key);
  Matches(/\S/, { message: '$property must not be empty' })(target, key);
  MaxLength(MAX_FREE_TEXT_LENGTH)(target, key);
}

/** A required free-text field: a string with at least one non-blank character, at most the maximum length. */
export function FreeText(description: string): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ description, minLength: 1, maxLength: MAX_FREE_TEXT_LENGTH })(target, key);
    textRules(target, key);
  };
}

/**
 * A field that may be left out, but not sent as `null`: `null` is no value of a text, a tri-state or a
 * count, so it is refused like any other wrong value instead of being read as "not given".
 */
export const Omittable = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

/** The same, but the field may be left out (not yet known, or nothing to say). */
export function OptionalFreeText(description: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ description, minLength: 1, maxLength: MAX_FREE_TEXT_LENGTH })(target, key);
    Omittable()(target, key);
    textRules(target, key);
  };
}
