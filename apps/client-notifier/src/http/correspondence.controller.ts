import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';
import {
  Authenticated,
  assertCaseVisible,
  assertContractVisible,
  CaseNotFoundError,
  ContractNotFoundError,
  CurrentActor,
  CurrentPrincipal,
  type Principal,
  Roles,
} from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { ApiError, RequireJson } from '#libs/platform';
import { type Clock, NOTIFIER_CLOCK } from '../clock.js';
import { Acknowledgements, type AcknowledgementView } from '../correspondence/acknowledgements.js';
import { CaseRecords } from '../correspondence/case-records.js';
import { ContractSettingsStore, DEFAULT_SETTINGS } from '../correspondence/contract-settings.js';
import { DeliveryStore } from '../correspondence/deliveries.js';
import { IdentityDirectory } from '../directory/identity-directory.js';
import { timeText } from '../mail/wording.js';
import {
  AcknowledgementDto,
  CorrespondenceDto,
  NotificationSettingsDto,
  NotificationSettingsResponseDto,
} from './dto.js';

function uuidParam(value: string, field: string): string {
  if (!isUUID(value)) {
    throw new ApiError('validation', `${field} must be a UUID`, {
      details: [{ field, problem: 'must be a UUID' }],
    });
  }
  return value;
}

const toAcknowledgementDto = (caseId: string, ack: AcknowledgementView): AcknowledgementDto => ({
  caseId,
  acknowledgedAt: ack.at.toISOString(),
  acknowledgedBy: ack.by,
  acknowledgedByName: ack.byName,
  channel: ack.channel,
});

/** The correspondence of a case, and its acknowledgement by a client officer. Tenant-scoped (404). */
@ApiTags('correspondence')
@Controller('cases')
export class CorrespondenceController {
  constructor(
    @Inject(Acknowledgements) private readonly acknowledgements: Acknowledgements,
    @Inject(CaseRecords) private readonly cases: CaseRecords,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Post(':caseId/acknowledgement')
  @HttpCode(201)
  @Roles('client_officer')
  @ApiCreatedResponse({ type: AcknowledgementDto, description: 'Receipt confirmed (ClientAcknowledged).' })
  @ApiConflictResponse({
    description: '`already_acknowledged`: someone confirmed before; the message says who and when.',
  })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async acknowledge(
    @Param('caseId') caseId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ): Promise<AcknowledgementDto> {
    const result = await this.acknowledgements.acknowledgeByApi(
      uuidParam(caseId, 'caseId'),
      principal,
      actor,
    );
    if (result.outcome === 'already_acknowledged') {
      const ack = result.acknowledgement;
      throw new ApiError(
        'conflict',
        `Receipt was already confirmed by ${ack.byName ?? ack.by} on ${timeText(ack.at.toISOString(), 'en')}.`,
        { code: 'already_acknowledged' },
      );
    }
    return toAcknowledgementDto(caseId, result.acknowledgement);
  }

  @Get(':caseId/correspondence')
  @Authenticated()
  @ApiOkResponse({ type: CorrespondenceDto })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async correspondence(
    @Param('caseId') caseId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CorrespondenceDto> {
    const record = await this.cases.get(uuidParam(caseId, 'caseId'));
    if (!record?.contractId) throw new CaseNotFoundError(caseId);
    assertCaseVisible(principal, record.contractId, caseId);
    const ack = await this.acknowledgements.viewOf(record);
    const messages = await this.deliveries.ofCase(this.dataSource, caseId);
    return {
      caseId,
      caseNumber: record.caseNumber,
      contractId: record.contractId,
      acknowledgement: ack && toAcknowledgementDto(caseId, ack),
      messages: messages.map((m) => ({
        id: m.id,
        kind: m.kind,
        recipientKind: m.recipientKind,
        recipientId: m.recipientId,
        status: m.status,
        attempts: m.attempts,
        messageId: m.messageId,
        createdAt: m.createdAt.toISOString(),
        sentAt: m.sentAt?.toISOString(),
        failedAt: m.failedAt?.toISOString(),
        smtpCode: m.smtpCode ?? undefined,
        smtpResponse: m.smtpResponse ?? undefined,
        lastError: m.lastError ?? undefined,
      })),
    };
  }
}

/** The per-contract settings of the correspondence, for the contract's responsible person and admins. */
@ApiTags('correspondence')
@Controller('contracts')
export class NotificationSettingsController {
  constructor(
    @Inject(ContractSettingsStore) private readonly settings: ContractSettingsStore,
    @Inject(IdentityDirectory) private readonly directory: IdentityDirectory,
    @Inject(NOTIFIER_CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':contractId/notification-settings')
  @Roles('responsible', 'admin')
  @ApiOkResponse({ type: NotificationSettingsResponseDto })
  @ApiNotFoundResponse({ description: 'No such contract, or not one of the caller’s contracts.' })
  async get(
    @Param('contractId') contractId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NotificationSettingsResponseDto> {
    await this.visibleContract(contractId, principal);
    return this.response(contractId);
  }

  @Put(':contractId/notification-settings')
  @Roles('responsible', 'admin')
  @RequireJson()
  @ApiOkResponse({ type: NotificationSettingsResponseDto })
  @ApiBadRequestResponse({ description: 'A setting is missing or out of range (the field is named).' })
  @ApiNotFoundResponse({ description: 'No such contract, or not one of the caller’s contracts.' })
  async put(
    @Param('contractId') contractId: string,
    @Body() body: NotificationSettingsDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NotificationSettingsResponseDto> {
    await this.visibleContract(contractId, principal);
    await this.settings.put(
      contractId,
      {
        ackWaitMinutes: body.ackWaitMinutes,
        escalationIntervalMinutes: body.escalationIntervalMinutes,
        updateMode: body.updateMode,
        digestMinutes: body.digestMinutes ?? DEFAULT_SETTINGS.digestMinutes,
        firstNoticeContacts: body.firstNoticeContacts ?? null,
      },
      principal.userId,
      this.clock.now(),
    );
    return this.response(contractId);
  }

  /** 404 for a contract outside the caller's scope, and for one identity does not know. */
  private async visibleContract(contractId: string, principal: Principal): Promise<void> {
    uuidParam(contractId, 'contractId');
    assertContractVisible(principal, contractId);
    if (!(await this.directory.contract(contractId))) throw new ContractNotFoundError(contractId);
  }

  private async response(contractId: string): Promise<NotificationSettingsResponseDto> {
    const stored = await this.settings.get(contractId);
    return {
      contractId,
      ackWaitMinutes: stored.ackWaitMinutes,
      escalationIntervalMinutes: stored.escalationIntervalMinutes,
      updateMode: stored.updateMode,
      digestMinutes: stored.digestMinutes,
      firstNoticeContacts: stored.firstNoticeContacts,
      customised: stored.customised,
      updatedAt: stored.updatedAt?.toISOString(),
      updatedBy: stored.updatedBy,
    };
  }
}
