import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsUUID,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_COUNT } from './domain/case.decider.js';
import { FreeText, Omittable, OptionalFreeText } from './free-text.js';

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

export const TRI_STATES = ['yes', 'no', 'unknown'] as const;
export type TriStateDto = (typeof TRI_STATES)[number];

/** Where it happened (発生場所): each part free text, each may be left out while not known. */
export class PlaceDto {
  @OptionalFreeText('the site: office, branch, data centre, a third party’s premises')
  site?: string;

  @OptionalFreeText('the information system involved')
  system?: string;

  @OptionalFreeText('the medium: paper, USB memory, laptop, email, cloud storage')
  medium?: string;

  @OptionalFreeText('the route by which it left control: misdelivery, loss in transit, intrusion, insider')
  route?: string;
}

/** How it happened (発生状況): what happened and how it was discovered. */
export class CircumstancesDto {
  @OptionalFreeText('what happened')
  whatHappened?: string;

  @OptionalFreeText('how and by whom the leak was discovered')
  howDiscovered?: string;
}

/** The items of the report that may be amended later (everything but the contract and the discovery time). */
class ReportItemsDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'when the leak occurred, if known' })
  @Omittable()
  @IsDateString({ strict: true })
  occurredAt?: string;

  @ApiPropertyOptional({ enum: DATA_KINDS, isArray: true, description: 'the kinds of data involved' })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(DATA_KINDS.length)
  @IsIn(DATA_KINDS, { each: true })
  dataKinds?: DataKind[];

  @ApiPropertyOptional({ type: CountDto, description: 'number of persons (本人の数)' })
  @Omittable()
  @ValidateNested()
  @Type(() => CountDto)
  persons?: CountDto;

  @ApiPropertyOptional({ type: CountDto, description: 'number of records or documents' })
  @Omittable()
  @ValidateNested()
  @Type(() => CountDto)
  records?: CountDto;

  @ApiPropertyOptional({ type: PlaceDto })
  @Omittable()
  @ValidateNested()
  @Type(() => PlaceDto)
  place?: PlaceDto;

  @ApiPropertyOptional({ type: CircumstancesDto })
  @Omittable()
  @ValidateNested()
  @Type(() => CircumstancesDto)
  circumstances?: CircumstancesDto;

  @ApiPropertyOptional({ enum: TRI_STATES, description: 'whether the leaked data was encrypted' })
  @Omittable()
  @IsIn(TRI_STATES)
  encrypted?: TriStateDto;

  @ApiPropertyOptional({
    enum: TRI_STATES,
    description: 'theft, unauthorised access or another improper purpose',
  })
  @Omittable()
  @IsIn(TRI_STATES)
  improperPurposeSuspected?: TriStateDto;

  @ApiPropertyOptional({ enum: TRI_STATES, description: 'whether persons in the EU may be affected' })
  @Omittable()
  @IsIn(TRI_STATES)
  euPersonsPossiblyAffected?: TriStateDto;

  @OptionalFreeText('measures already taken to contain the leak')
  measuresTaken?: string;
}

/**
 * The first account of a leak (Art. 16(1)): the contract, when it was discovered and a first description
 * are required; every other item may be left out while not yet known (a count's precision `unknown`, a
 * tri-state `unknown`) and amended later. Free text is sealed with the case key before it is stored.
 */
export class ReportIncidentDto extends ReportItemsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  contractId!: string;

  @ApiProperty({ format: 'date-time', description: 'when the contractor discovered the leak' })
  @IsDateString({ strict: true })
  discoveredAt!: string;

  @FreeText('what leaked: a free description of the content (内容)')
  description!: string;
}

/**
 * An amendment of the report: each item present replaces what was known, absent items stay as they were.
 * Discovery time and contract cannot be amended (they anchor the clocks and the tenancy).
 */
export class AmendReportDto extends ReportItemsDto {
  @OptionalFreeText('a new description of what leaked, replacing the last one')
  description?: string;
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
