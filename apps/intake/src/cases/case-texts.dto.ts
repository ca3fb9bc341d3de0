import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import { FreeText, OptionalFreeText } from './free-text.js';
import { CaseResponseDto, TRI_STATES, type TriStateDto } from './report-incident.dto.js';

/** The bodies of the case routes that carry free text (sealed before storage, see ./free-text.ts). */

export const INSTRUCTION_KINDS = [
  'investigate',
  'contain',
  'notify_subjects',
  'publish',
  'return_or_erase_data',
  'report',
  'other',
] as const;
export type InstructionKindDto = (typeof INSTRUCTION_KINDS)[number];

export class RecordMeasureDto {
  @FreeText('what was or will be done')
  description!: string;
}

export class IssueInstructionDto {
  @ApiProperty({ enum: INSTRUCTION_KINDS })
  @IsIn(INSTRUCTION_KINDS)
  kind!: InstructionKindDto;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'when the instruction is due; must be in the future (default: 7 days from now)',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  dueAt?: string;

  @FreeText('what the responder is to do')
  text!: string;
}

export class InstructionProgressDto {
  @FreeText('what was done so far')
  note!: string;
}

export class CompleteInstructionDto {
  @FreeText('what shows that the instruction was carried out')
  evidenceNote!: string;
}

export class ReopenInstructionDto {
  @FreeText('why the completion is not accepted')
  reason!: string;
}

export class IdentifyCauseDto {
  @FreeText('the cause of the leak as understood now; a later one revises it')
  cause!: string;

  @ApiPropertyOptional({ enum: TRI_STATES, description: 'whether a processor caused it (default unknown)' })
  @IsOptional()
  @IsIn(TRI_STATES)
  causedByProcessor?: TriStateDto;
}

export class CloseCaseDto {
  @OptionalFreeText(
    'why the case is closed; required from the responsible person while instructions are open',
  )
  reason?: string;
}

export class MeasureRecordedResponseDto extends CaseResponseDto {
  @ApiProperty({ format: 'uuid', description: 'the new measure' })
  measureId!: string;
}

export class InstructionIssuedResponseDto extends CaseResponseDto {
  @ApiProperty({ format: 'uuid', description: 'the new instruction' })
  instructionId!: string;
}
