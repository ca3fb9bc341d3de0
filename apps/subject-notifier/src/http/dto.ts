import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CALL_RESULTS, type CallResult } from '../campaigns/outreach.js';
import { CSV_ENCODINGS, type CsvEncoding } from '../imports/csv-rows.js';

/** The query string of a CSV upload: the encoding and the column mapping (header names). */
export class ImportQueryDto {
  @ApiPropertyOptional({
    enum: CSV_ENCODINGS,
    default: 'auto',
    description: 'auto detects UTF-8 or Shift_JIS (CP932)',
  })
  @IsOptional()
  @IsIn(CSV_ENCODINGS)
  encoding?: CsvEncoding;

  @ApiPropertyOptional({ default: 'name', description: 'header of the name column' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  nameColumn?: string;

  @ApiPropertyOptional({ default: 'email' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  emailColumn?: string;

  @ApiPropertyOptional({ default: 'phone' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  phoneColumn?: string;

  @ApiPropertyOptional({ default: 'address', description: 'header of the postal address column' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  addressColumn?: string;

  @ApiPropertyOptional({
    default: 'language',
    description: 'header of the preferred language column (ja/en)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  languageColumn?: string;

  @ApiPropertyOptional({
    default: 'items',
    description: 'header of the leaked data items column (items separated by ; 、 | or /)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  itemsColumn?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class StartCampaignDto {
  @ApiProperty({ description: 'the intake instruction (kind: notify subjects) the campaign carries out' })
  @IsString()
  @Length(1, 100)
  instructionId!: string;

  @ApiProperty({ format: 'uuid', description: 'the approved notice template' })
  @IsUUID()
  templateId!: string;

  @ApiPropertyOptional({ description: 'the approved revision; the latest approved one when absent' })
  @IsOptional()
  @IsInt()
  @Min(1)
  templateRevision?: number;
}

export class BounceDto {
  @ApiProperty({ description: 'the Message-ID of the notice that bounced, with its angle brackets' })
  @IsString()
  @Matches(/^<[^<>\s]+@[^<>\s]+>$/, { message: 'messageId must be a Message-ID like <id@domain>' })
  messageId!: string;

  @ApiProperty({ description: 'the bounce reason (DSN status or reply text), without addresses' })
  @IsString()
  @Length(1, 300)
  reason!: string;
}

export class LettersPostedDto {
  @ApiProperty({ type: [String], description: 'person references (P000001) whose letters were posted' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MaxLength(20, { each: true })
  references!: string[];

  @ApiProperty({ format: 'date-time' })
  @IsDateString({ strict: true })
  postedAt!: string;
}

export class RecordCallDto {
  @ApiProperty({ description: 'the person reference (P000001)' })
  @IsString()
  @MaxLength(20)
  reference!: string;

  @ApiProperty({ format: 'date-time', description: 'when the call was made (date and time)' })
  @IsDateString({ strict: true })
  calledAt!: string;

  @ApiProperty({ enum: CALL_RESULTS })
  @IsIn(CALL_RESULTS)
  result!: CallResult;
}

export class PublicNoticeDto {
  @ApiProperty({
    description: 'the public URL of the notice (with its inquiry contact point), published by publisher',
  })
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true })
  @MaxLength(500)
  url!: string;

  @ApiProperty({ format: 'date-time' })
  @IsDateString({ strict: true })
  postedAt!: string;
}

export class ErasureDto {
  @ApiProperty({ description: "why: e.g. the client's instruction and its date" })
  @IsString()
  @Length(1, 500)
  reason!: string;
}
