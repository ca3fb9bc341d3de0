import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { UPDATE_MODES, type UpdateMode } from '../correspondence/contract-settings.js';
import { DELIVERY_KINDS } from '../correspondence/deliveries.js';

const MAX_MINUTES = 10_080; // one week

export class AcknowledgementDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ format: 'date-time' }) acknowledgedAt!: string;
  @ApiProperty({ description: 'the contact id (link) or the user id (API) of who confirmed' })
  acknowledgedBy!: string;
  @ApiPropertyOptional({ description: 'their name, when they still exist' }) acknowledgedByName?: string;
  @ApiProperty({ enum: ['link', 'api'] }) channel!: 'link' | 'api';
}

export class MessageRecordDto {
  @ApiProperty({
    format: 'uuid',
    description: 'the delivery record (also the ClientNotification* notificationId)',
  })
  id!: string;
  @ApiProperty({ enum: DELIVERY_KINDS }) kind!: string;
  @ApiProperty({ enum: ['client_contact', 'contractor_user'] }) recipientKind!: string;
  @ApiProperty({ format: 'uuid' }) recipientId!: string;
  @ApiProperty({ enum: ['pending', 'sending', 'sent', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ example: '<0190…@example.jp>' }) messageId!: string;
  @ApiProperty({ format: 'date-time', description: 'when the message was intended' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time' }) sentAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) failedAt?: string;
  @ApiPropertyOptional({ description: 'the SMTP reply code of the last attempt' }) smtpCode?: number;
  @ApiPropertyOptional({ description: 'the SMTP server’s answer when it accepted the message' })
  smtpResponse?: string;
  @ApiPropertyOptional({ description: 'why the last attempt failed (addresses masked)' }) lastError?: string;
}

export class CorrespondenceDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiPropertyOptional({ example: 'INC-2026-000123' }) caseNumber?: string;
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiPropertyOptional({ type: AcknowledgementDto }) acknowledgement?: AcknowledgementDto;
  @ApiProperty({ type: [MessageRecordDto] }) messages!: MessageRecordDto[];
}

export class NotificationSettingsDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_MINUTES,
    description: 'minutes without acknowledgement before the reminder',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_MINUTES)
  ackWaitMinutes!: number;

  @ApiProperty({
    minimum: 1,
    maximum: MAX_MINUTES,
    description: 'minutes after the reminder before the escalation',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_MINUTES)
  escalationIntervalMinutes!: number;

  @ApiProperty({ enum: UPDATE_MODES, description: 'later updates at once, or collected into a digest' })
  @IsIn(UPDATE_MODES)
  updateMode!: UpdateMode;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_MINUTES,
    description: 'the digest period in minutes; required with updateMode digest (default 60)',
  })
  @ValidateIf(
    (dto: NotificationSettingsDto) => dto.updateMode === 'digest' || dto.digestMinutes !== undefined,
  )
  @IsInt()
  @Min(1)
  @Max(MAX_MINUTES)
  digestMinutes?: number;

  @ApiPropertyOptional({
    minimum: 1,
    nullable: true,
    description:
      'how many contacts, in priority order, get the first notice (the others are reached by the escalation); null or absent: all',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  firstNoticeContacts?: number | null;
}

export class NotificationSettingsResponseDto extends NotificationSettingsDto {
  @ApiProperty({ format: 'uuid' }) contractId!: string;
  @ApiProperty({ description: 'false: nobody changed them, these are the defaults' }) customised!: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
  @ApiPropertyOptional({ description: 'who changed them last (user id)' }) updatedBy?: string;
}
