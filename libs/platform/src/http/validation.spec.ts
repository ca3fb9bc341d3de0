import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { mapErrorToHttp } from './error-mapping.js';
import { createValidationPipe, flattenValidationErrors } from './validation.js';

class ItemDto {
  @IsString()
  name!: string;
}

class QuantityDto {
  @IsInt()
  @Min(0, { message: 'must not be negative' })
  persons!: number;
}

class ReportDto {
  @IsString()
  summary!: string;

  @ValidateNested()
  @Type(() => QuantityDto)
  quantity!: QuantityDto;

  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];
}

async function validationErrorOf(body: unknown) {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype: ReportDto });
  } catch (error) {
    return error;
  }
  throw new Error('expected validation to fail');
}

describe('validation', () => {
  it('reports nested and array fields by path, without repeating the property name', async () => {
    const error = await validationErrorOf({
      summary: 7,
      quantity: { persons: -2 },
      items: [{ name: 'a' }, {}],
    });
    const mapped = mapErrorToHttp(error, 'req-v');
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.code).toBe('validation_failed');
    expect(mapped.body.error.details).toEqual([
      { field: 'summary', problem: 'must be a string' },
      { field: 'quantity.persons', problem: 'must not be negative' },
      { field: 'items[1].name', problem: 'must be a string' },
    ]);
  });

  it('refuses properties the DTO does not declare', async () => {
    const error = await validationErrorOf({
      summary: 's',
      quantity: { persons: 1 },
      items: [],
      isAdmin: true,
    });
    expect(mapErrorToHttp(error).body.error.details).toEqual([
      { field: 'isAdmin', problem: 'should not exist' },
    ]);
  });

  it('transforms a valid body into the DTO class', async () => {
    const value = await createValidationPipe().transform(
      { summary: 's', quantity: { persons: 3 }, items: [{ name: 'n' }] },
      { type: 'body', metatype: ReportDto },
    );
    expect(value).toBeInstanceOf(ReportDto);
    expect(value.quantity).toBeInstanceOf(QuantityDto);
  });

  it('flattens an empty error list to no details', () => {
    expect(flattenValidationErrors([])).toEqual([]);
  });
});
