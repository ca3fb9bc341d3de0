import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiNotFoundResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsDateString,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Authenticated, CurrentActor, CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { ApiError } from '#libs/platform';
import {
  DOCUMENT_KINDS,
  type DocumentContent,
  type DocumentKind,
  LANGUAGES,
  MAX_SECTION_LENGTH,
  sectionsOf,
} from './sections.js';
import { Statements } from './statements.js';

const RESPONDERS = ['responder', 'responsible'] as const;

export class CreateStatementDto {
  @ApiPropertyOptional({ enum: DOCUMENT_KINDS, default: 'statement' })
  @IsOptional()
  @IsIn(DOCUMENT_KINDS)
  kind?: DocumentKind;
}

export class ReviseStatementDto {
  @ApiProperty({ description: 'the revision the edit starts from (must be the current one)' })
  @IsInt()
  @Min(1)
  baseRevision!: number;

  @ApiProperty({
    description:
      'every section of both languages: { ja: { title, lead, … }, en: { … } }; rich text (HTML) is sanitised',
  })
  @IsObject()
  sections!: Record<string, unknown>;
}

export class RevisionDto {
  @ApiProperty()
  @IsInt()
  @Min(1)
  revision!: number;
}

/** The longest a publication may be scheduled ahead. */
const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;

export class PublicationDto extends RevisionDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'publish at this time instead of now (within a year); a past time publishes now',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  publishAt?: string;
}

export class DecisionDto extends RevisionDto {
  @ApiProperty({ description: 'SHA-256 of the revision as the officer read it' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'contentHash must be 64 lower-case hex digits' })
  contentHash!: string;
}

export class SectionCommentDto {
  @ApiProperty({ description: '`<language>.<section>` (e.g. `ja.cause`) or `general`' })
  @IsString()
  @MaxLength(60)
  section!: string;

  @ApiProperty()
  @IsString()
  @Matches(/\S/, { message: 'comment must not be empty' })
  @MaxLength(5000)
  comment!: string;
}

export class RequestChangesDto extends DecisionDto {
  @ApiProperty({ type: [SectionCommentDto] })
  @ValidateNested({ each: true })
  @Type(() => SectionCommentDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  comments!: SectionCommentDto[];
}

export class AcceptFindingDto {
  @ApiProperty()
  @IsString()
  @Matches(/^[0-9a-f]{24}$/, { message: 'findingId must be a finding id from the safety check' })
  findingId!: string;

  @ApiProperty({ description: 'why this match may be public (e.g. it is the contact desk’s number)' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be empty' })
  @MaxLength(2000)
  reason!: string;
}

/** The sections of a revision, checked field by field (every bad field is named). */
function contentFrom(kind: DocumentKind, sections: Record<string, unknown>): DocumentContent {
  const problems: Array<{ field: string; problem: string }> = [];
  const content = {} as DocumentContent;
  const allowed = sectionsOf(kind);
  for (const key of Object.keys(sections)) {
    if (!(LANGUAGES as readonly string[]).includes(key))
      problems.push({ field: `sections.${key}`, problem: `unknown language` });
  }
  for (const language of LANGUAGES) {
    const given = sections[language];
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      problems.push({ field: `sections.${language}`, problem: `must be an object of sections` });
      continue;
    }
    content[language] = {};
    for (const [section, value] of Object.entries(given)) {
      if (!allowed.includes(section))
        problems.push({ field: `sections.${language}.${section}`, problem: `unknown section` });
      else if (typeof value !== 'string')
        problems.push({ field: `sections.${language}.${section}`, problem: `must be a string` });
      else if (value.length > MAX_SECTION_LENGTH)
        problems.push({
          field: `sections.${language}.${section}`,
          problem: `longer than ${MAX_SECTION_LENGTH} characters`,
        });
      else content[language][section] = value;
    }
  }
  if (problems.length > 0) {
    throw new ApiError('validation', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), {
      details: problems,
    });
  }
  return content;
}

/** Drafting statements of a case and agreeing them with the client (tenant-scoped by the case). */
@ApiTags('statements')
@ApiNotFoundResponse({ description: 'No such case or statement, or not one of the caller’s contracts.' })
@Controller('cases/:caseId/statements')
export class StatementsController {
  constructor(private readonly statements: Statements) {}

  @Post()
  @Roles(...RESPONDERS)
  create(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Body() body: CreateStatementDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    return this.statements.create(caseId, body.kind ?? 'statement', principal, actor, new Date());
  }

  @Get()
  @Authenticated()
  list(@Param('caseId', new ParseUUIDPipe()) caseId: string, @CurrentPrincipal() principal: Principal) {
    return this.statements.list(caseId, principal);
  }

  @Get(':statementId')
  @Authenticated()
  view(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.statements.view(caseId, statementId, principal);
  }

  @Get(':statementId/revisions/:revision')
  @Authenticated()
  revision(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Param('revision', ParseIntPipe) revision: number,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.statements.revision(caseId, statementId, revision, principal);
  }

  @Get(':statementId/diff')
  @Authenticated()
  diff(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Query('from', ParseIntPipe) from: number,
    @Query('to', ParseIntPipe) to: number,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.statements.diff(caseId, statementId, from, to, principal);
  }

  @Post(':statementId/revisions')
  @Roles(...RESPONDERS)
  async revise(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Body() body: ReviseStatementDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    const current = await this.statements.view(caseId, statementId, principal);
    const content = contentFrom(current.kind, body.sections);
    return this.statements.revise(
      caseId,
      statementId,
      body.baseRevision,
      content,
      principal,
      actor,
      new Date(),
    );
  }

  @Post(':statementId/consultation')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  consult(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Body() body: RevisionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    return this.statements.requestConsultation(
      caseId,
      statementId,
      body.revision,
      principal,
      actor,
      new Date(),
    );
  }

  @Post(':statementId/approval')
  @HttpCode(200)
  @Roles('client_officer')
  approve(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Body() body: DecisionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    return this.statements.approve(
      caseId,
      statementId,
      body.revision,
      body.contentHash,
      principal,
      actor,
      new Date(),
    );
  }

  @Post(':statementId/change-requests')
  @HttpCode(200)
  @Roles('client_officer')
  requestChanges(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Body() body: RequestChangesDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    return this.statements.requestChanges(
      caseId,
      statementId,
      body.revision,
      body.contentHash,
      body.comments,
      principal,
      actor,
      new Date(),
    );
  }

  @Get(':statementId/comments')
  @Authenticated()
  comments(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.statements.comments(caseId, statementId, principal);
  }

  @Post(':statementId/finding-acceptances')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  acceptFinding(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Body() body: AcceptFindingDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    return this.statements.acceptFinding(
      caseId,
      statementId,
      body.findingId,
      body.reason,
      principal,
      actor,
      new Date(),
    );
  }

  @Get(':statementId/finding-acceptances')
  @Authenticated()
  acceptances(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.statements.acceptances(caseId, statementId, principal);
  }

  /**
   * Publishes the approved revision now, or at `publishAt` (checked now and again then; a later edit drops
   * the schedule).
   */
  @Post(':statementId/publication')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  publish(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('statementId', new ParseUUIDPipe()) statementId: string,
    @Body() body: PublicationDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    const now = new Date();
    const publishAt = body.publishAt === undefined ? undefined : new Date(body.publishAt);
    if (publishAt && publishAt.getTime() > now.getTime() + MAX_SCHEDULE_MS) {
      throw new ApiError('validation', 'publishAt is more than a year ahead', {
        details: [{ field: 'publishAt', problem: 'must be within a year' }],
      });
    }
    return this.statements.publish(caseId, statementId, body.revision, principal, actor, now, publishAt);
  }
}
