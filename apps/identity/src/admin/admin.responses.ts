import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '../accounts/principal.js';

/** Response shapes of the administration and API-token routes, for the OpenAPI document. */

export class OrganisationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['contractor', 'client'] }) kind!: 'contractor' | 'client';
  @ApiProperty() name!: string;
  @ApiProperty() isPublicBody!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: 'active' | 'disabled';
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class AssignmentResponseDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ enum: ['reporter', 'responder', 'responsible'] }) role!:
    | 'reporter'
    | 'responder'
    | 'responsible';
}

export class ContactResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ enum: ['ja', 'en'] }) language!: 'ja' | 'en';
  @ApiProperty({ minimum: 1 }) priority!: number;
}

export class ContractDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) clientOrgId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ format: 'uuid' }) responsibleUserId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

export class ContractDetailDto extends ContractDto {
  @ApiProperty({ type: [AssignmentResponseDto] }) assignments!: AssignmentResponseDto[];
  @ApiProperty({ type: [ContactResponseDto], description: 'in priority order' })
  contacts!: ContactResponseDto[];
}

export class ApiTokenSummaryDto {
  @ApiProperty({ example: '0f3a9c1b2d4e5f60' }) id!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) expiresAt!: Date;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: Date }) revokedAt!: Date | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: Date }) lastUsedAt!: Date | null;
}

export class CreatedApiTokenDto extends ApiTokenSummaryDto {
  @ApiProperty({ description: 'the token (lrt_…): shown in this answer only, never again' }) token!: string;
}
