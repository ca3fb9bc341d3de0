import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_COUNT } from './domain/case.decider.js';

export const DATA_KINDS = [
  'name',
  'address',
  'phone',
  'email',
  'date_of_birth',
  'my_number',
  'sensitive',
  'financial',
  'credentials',
  'confidential_business',
  'other',
] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export const COUNT_PRECISIONS = ['exact', 'about', 'at_least', 'unknown'] as const;

export class CountDto {
  @ApiProperty({ enum: COUNT_PRECISIONS, description: 'exact, about N, at least N, or not yet known' })
  @IsIn(COUNT_PRECISIONS)
  precision!: (typeof COUNT_PRECISIONS)[number];

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_COUNT,
    description: 'required unless precision is unknown',
  })
  @ValidateIf((count: CountDto) => count.precision !== 'unknown')
  @IsInt()
  @Min(0)
  @Max(MAX_COUNT)
  value?: number;
}

/**
 * The first account of a leak, as far as the foundation goes: the contract, when it was discovered
 * (and occurred, if known), the kinds of data and the quantity. The free-text items of Art. 16(1)
 * (description, place, circumstances) arrive with the intake issue, sealed with the case key.
 */
export class ReportIncidentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  contractId!: string;

  @ApiProperty({ format: 'date-time', description: 'when the contractor discovered the leak' })
  @IsDateString({ strict: true })
  discoveredAt!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'when the leak occurred, if known' })
  @IsOptional()
  @IsDateString({ strict: true })
  occurredAt?: string;

  @ApiProperty({ enum: DATA_KINDS, isArray: true })
  @IsArray()
  @ArrayMaxSize(DATA_KINDS.length)
  @IsIn(DATA_KINDS, { each: true })
  dataKinds!: DataKind[];

  @ApiProperty({ type: CountDto })
  @ValidateNested()
  @Type(() => CountDto)
  persons!: CountDto;

  @ApiProperty({ type: CountDto })
  @ValidateNested()
  @Type(() => CountDto)
  records!: CountDto;
}

export const TRI_STATES = ['yes', 'no', 'unknown'] as const;
export type TriStateDto = (typeof TRI_STATES)[number];

/**
 * An amendment of the report: each item present replaces what was known, absent items stay as they were.
 * Discovery time and contract cannot be amended (they anchor the clocks and the tenancy). The free-text
 * items (description, place, circumstances, measures taken) are kept as sealed text and are not
 * accepted here until the HTTP layer seals them with the case key.
 */
export class AmendReportDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'when the leak occurred' })
  @IsOptional()
  @IsDateString({ strict: true })
  occurredAt?: string;

  @ApiPropertyOptional({ enum: DATA_KINDS, isArray: true, description: 'replaces the kinds known so far' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DATA_KINDS.length)
  @IsIn(DATA_KINDS, { each: true })
  dataKinds?: DataKind[];

  @ApiPropertyOptional({ type: CountDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CountDto)
  persons?: CountDto;

  @ApiPropertyOptional({ type: CountDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CountDto)
  records?: CountDto;

  @ApiPropertyOptional({ enum: TRI_STATES })
  @IsOptional()
  @IsIn(TRI_STATES)
  encrypted?: TriStateDto;

  @ApiPropertyOptional({
    enum: TRI_STATES,
    description: 'theft, unauthorised access or another improper purpose',
  })
  @IsOptional()
  @IsIn(TRI_STATES)
  improperPurposeSuspected?: TriStateDto;

  @ApiPropertyOptional({ enum: TRI_STATES, description: 'whether persons in the EU may be affected' })
  @IsOptional()
  @IsIn(TRI_STATES)
  euPersonsPossiblyAffected?: TriStateDto;
}

export class CaseResponseDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ example: 'INC-2026-000001' }) caseNumber!: string;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ enum: ['reported', 'closed'] }) status!: 'reported' | 'closed';
  @ApiProperty({ format: 'date-time' }) discoveredAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'when the leak occurred, if known' })
  occurredAt?: string;
  @ApiProperty({ description: 'instructions of the client not yet confirmed' }) openInstructions!: number;
  @ApiProperty({ description: 'damage-minimising measures recorded and not yet completed' })
  openMeasures!: number;
  @ApiProperty({ description: 'whether a cause has been identified' }) causeIdentified!: boolean;
  @ApiProperty({ description: 'stream version; also sent as the ETag' }) version!: number;
}
