import { Body, Controller, Get, Inject, Module, Param, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { type Logger, PLATFORM_LOGGER, RequireJson } from '#libs/platform';

/** An error shaped like the event store's DomainError: matched by its `kind`, not its class. */
class CaseNotFound extends Error {
  readonly kind = 'not_found';
}

class StaleVersion extends Error {
  readonly kind = 'conflict';
  readonly precondition = true;
}

class QuantityDto {
  @IsInt()
  @Min(0, { message: 'must not be negative' })
  persons!: number;
}

export class ReportDto {
  @IsString()
  summary!: string;

  @ValidateNested()
  @Type(() => QuantityDto)
  quantity!: QuantityDto;
}

/** Routes that exercise the platform: a template with an id, a JSON command, and failures. */
@Controller('cases')
export class CasesController {
  constructor(@Inject(PLATFORM_LOGGER) private readonly logger: Logger) {}

  @Get(':caseId')
  read(@Param('caseId') caseId: string) {
    if (caseId === 'missing') throw new CaseNotFound(`case ${caseId} does not exist`);
    if (caseId === 'stale') throw new StaleVersion('the case changed since version 3');
    if (caseId === 'crash') {
      throw new Error(
        'duplicate key value violates unique constraint: INSERT INTO intake.persons VALUES ($1)',
      );
    }
    this.logger.info({ caseId, reporterEmail: 'someone@example.com' }, 'case read');
    return { caseId };
  }

  @Post()
  @RequireJson()
  report(@Body() body: ReportDto) {
    this.logger.info({ persons: body.quantity.persons }, 'report accepted');
    return { accepted: true, persons: body.quantity.persons };
  }
}

@Module({ controllers: [CasesController] })
export class TestAppModule {}
