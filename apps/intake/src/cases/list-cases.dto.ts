import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { type CaseListFilter, decodeCursor, INTAKE_STAGES, type IntakeStage } from './case-summaries.js';

export const MAX_PAGE_SIZE = 100;

/** The query string of `GET /cases`; an unknown parameter is a 400 like a malformed one. */
export class ListCasesQueryDto {
  @ApiPropertyOptional({ enum: INTAKE_STAGES })
  @IsOptional()
  @IsIn(INTAKE_STAGES)
  stage?: IntakeStage;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  contractId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'discovered at or after' })
  @IsOptional()
  @IsDateString({ strict: true })
  discoveredFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'discovered before' })
  @IsOptional()
  @IsDateString({ strict: true })
  discoveredTo?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'reported at or after' })
  @IsOptional()
  @IsDateString({ strict: true })
  reportedFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'reported before' })
  @IsOptional()
  @IsDateString({ strict: true })
  reportedTo?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

const dateOf = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

export function listFilterOf(query: ListCasesQueryDto): CaseListFilter {
  return {
    stage: query.stage,
    contractId: query.contractId,
    discoveredFrom: dateOf(query.discoveredFrom),
    discoveredTo: dateOf(query.discoveredTo),
    reportedFrom: dateOf(query.reportedFrom),
    reportedTo: dateOf(query.reportedTo),
    limit: query.limit ?? 20,
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
  };
}
