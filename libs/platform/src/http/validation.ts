import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { ApiError } from './api-error.js';
import type { ErrorDetail } from './error-mapping.js';

/**
 * Turns class-validator's error tree into flat details: `{ field: 'quantity.persons', problem: 'must
 * not be less than 0' }`, `{ field: 'items[2].name', … }`. The property name that class-validator puts
 * at the start of its messages is dropped, since `field` already says it.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      problem: withoutPropertyName(message, error.property),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

function withoutPropertyName(message: string, property: string): string {
  for (const prefix of [`property ${property} `, `${property} `]) {
    if (message.startsWith(prefix)) return message.slice(prefix.length);
  }
  return message;
}

/** The error a request DTO that fails validation turns into: 400 `validation_failed` with details. */
export function requestValidationError(errors: readonly ValidationError[]): ApiError {
  return new ApiError('validation', 'The request is not valid.', {
    details: flattenValidationErrors(errors),
  });
}

/**
 * The global pipe: strips nothing silently (unknown properties are an error), converts to the DTO
 * classes, and reports failures in the common error body.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => requestValidationError(errors),
  });
}
