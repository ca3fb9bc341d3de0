import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CaseKeyring } from '#libs/sealing';
import { INTAKE_STAGES, type IntakeStage, intakeStageOf } from './case-summaries.js';
import type { CaseState } from './domain/case.decider.js';
import type { CountInput, ReportFacts } from './domain/facts.js';
import { CaseResponseDto, DATA_KINDS, TRI_STATES, type TriStateDto } from './report-incident.dto.js';
import { openReportTexts } from './report-texts.js';

/**
 * What `GET /cases/:caseId` answers: the case's current state and every version of its report, texts
 * opened for the reader (who can see the case: its contract is in the reader's scope).
 */

export class CountViewDto {
  @ApiProperty({ enum: ['exact', 'about', 'at_least', 'unknown'] }) precision!: CountInput['precision'];
  @ApiPropertyOptional() value?: number;
}

export class ReportViewDto {
  @ApiProperty({ nullable: true, description: 'null when the case was erased' }) description!: string | null;
  @ApiProperty({ enum: DATA_KINDS, isArray: true }) dataKinds!: string[];
  @ApiProperty({ type: CountViewDto }) persons!: CountViewDto;
  @ApiProperty({ type: CountViewDto }) records!: CountViewDto;
  @ApiProperty({ description: 'site, system, medium, route: the parts known' })
  place!: Record<string, string | null>;
  @ApiProperty({ description: 'whatHappened, howDiscovered: the parts known' })
  circumstances!: Record<string, string | null>;
  @ApiProperty({ format: 'date-time' }) discoveredAt!: string;
  @ApiPropertyOptional({ format: 'date-time' }) occurredAt?: string;
  @ApiProperty({ enum: TRI_STATES }) encrypted!: TriStateDto;
  @ApiProperty({ enum: TRI_STATES }) improperPurposeSuspected!: TriStateDto;
  @ApiProperty({ enum: TRI_STATES }) euPersonsPossiblyAffected!: TriStateDto;
  @ApiPropertyOptional({ nullable: true }) measuresTaken?: string | null;
  @ApiProperty({ description: 'true when texts are gone because the client had the case erased (Art. 7)' })
  erased!: boolean;
}

export class ReportVersionDto {
  @ApiProperty({ format: 'date-time', description: 'from when the case knew these facts' })
  knownFrom!: string;
  @ApiProperty({ type: ReportViewDto }) report!: ReportViewDto;
}

export class InstructionViewDto {
  @ApiProperty({ format: 'uuid' }) instructionId!: string;
  @ApiProperty({ example: 'contain' }) kind!: string;
  @ApiPropertyOptional({ format: 'date-time' }) dueAt?: string;
  @ApiProperty({ enum: ['issued', 'acknowledged', 'in_progress', 'completed', 'confirmed'] }) status!: string;
  @ApiProperty({ description: 'how often the client reopened it' }) reopenCount!: number;
}

export class MeasureViewDto {
  @ApiProperty({ format: 'uuid' }) measureId!: string;
  @ApiProperty({ enum: ['recorded', 'completed'] }) status!: string;
}

export class AssessmentViewDto {
  @ApiProperty({ description: 'one line per regime, Japanese' }) summaryJa!: string;
  @ApiProperty({ description: 'one line per regime, English' }) summaryEn!: string;
  @ApiProperty({ description: 'regime → yes | no | possibly', example: { APPI_PRIVATE_SECTOR: 'yes' } })
  regimes!: Record<string, string>;
}

export class CaseDetailDto extends CaseResponseDto {
  @ApiProperty({ enum: INTAKE_STAGES, description: 'the furthest stage intake can tell from its own events' })
  stage!: IntakeStage;
  @ApiProperty({ type: ReportViewDto, description: 'the report as known now' }) report!: ReportViewDto;
  @ApiProperty({ type: ReportVersionDto, isArray: true, description: 'every version, oldest first' })
  reportHistory!: ReportVersionDto[];
  @ApiPropertyOptional({ type: AssessmentViewDto }) assessment?: AssessmentViewDto;
  @ApiProperty({ type: InstructionViewDto, isArray: true }) instructions!: InstructionViewDto[];
  @ApiProperty({ type: MeasureViewDto, isArray: true }) measures!: MeasureViewDto[];
}

const kindName = (json: string, prefix: string) => json.slice(prefix.length).toLowerCase();

const countView = (count: CountInput): CountViewDto =>
  count.precision === 'unknown'
    ? { precision: 'unknown' }
    : { precision: count.precision, value: count.value };

async function reportView(keyring: CaseKeyring, facts: ReportFacts): Promise<ReportViewDto> {
  const texts = await openReportTexts(keyring, facts);
  return {
    description: texts.description ?? null,
    dataKinds: facts.dataKinds.map((kind) => kindName(kind, 'DATA_KIND_')),
    persons: countView(facts.persons),
    records: countView(facts.records),
    place: texts.place,
    circumstances: texts.circumstances,
    discoveredAt: facts.discoveredAt,
    ...(facts.occurredAt ? { occurredAt: facts.occurredAt } : {}),
    encrypted: facts.encrypted,
    improperPurposeSuspected: facts.improperPurposeSuspected,
    euPersonsPossiblyAffected: facts.euPersonsPossiblyAffected,
    ...(texts.measuresTaken !== undefined ? { measuresTaken: texts.measuresTaken } : {}),
    erased: texts.erased,
  };
}

/** The detail of a reported case for a reader who may see it. */
export async function caseDetail(
  keyring: CaseKeyring,
  base: CaseResponseDto,
  state: Exclude<CaseState, { status: 'none' }>,
): Promise<CaseDetailDto> {
  const assessment = state.assessment;
  return {
    ...base,
    stage: intakeStageOf(state),
    report: await reportView(keyring, state.facts),
    reportHistory: await Promise.all(
      state.factsHistory.map(async (version) => ({
        knownFrom: version.knownFrom,
        report: await reportView(keyring, version.facts),
      })),
    ),
    ...(assessment
      ? {
          assessment: {
            summaryJa: assessment.summaryJa ?? '',
            summaryEn: assessment.summaryEn ?? '',
            regimes: Object.fromEntries(
              (assessment.regimes ?? []).map((r) => [
                kindName(r.regime ?? 'REGIME_UNSPECIFIED', 'REGIME_').toUpperCase(),
                kindName(r.applies ?? 'APPLICABILITY_UNSPECIFIED', 'APPLICABILITY_'),
              ]),
            ),
          },
        }
      : {}),
    instructions: Object.values(state.instructions).map((i) => ({
      instructionId: i.id,
      kind: kindName(i.kind, 'INSTRUCTION_KIND_'),
      ...(i.dueAt ? { dueAt: i.dueAt } : {}),
      status: i.status,
      reopenCount: i.reopenCount,
    })),
    measures: Object.values(state.measures).map((m) => ({ measureId: m.id, status: m.status })),
  };
}
