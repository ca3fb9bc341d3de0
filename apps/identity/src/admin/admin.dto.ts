import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ROLES, type Role } from '../accounts/principal.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../credentials/passwords.js';

const ASSIGNABLE = ['reporter', 'responder', 'responsible'] as const;

export class CreateOrganisationDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ default: false, description: 'a public body (different reporting duties)' })
  @IsOptional()
  @IsBoolean()
  isPublicBody?: boolean;
}

export class CreateUserDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  orgId!: string;

  @ApiProperty({ format: 'email' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName!: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH, format: 'password' })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password!: string;
}

export class SetUserStatusDto {
  @ApiProperty({ enum: ['active', 'disabled'] })
  @IsIn(['active', 'disabled'])
  status!: 'active' | 'disabled';
}

export class CreateContractDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  clientOrgId!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiProperty({ format: 'uuid', description: 'a contractor user holding the role responsible' })
  @IsUUID()
  responsibleUserId!: string;
}

export class AssignmentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;

  @ApiProperty({ enum: ASSIGNABLE })
  @IsIn(ASSIGNABLE)
  role!: (typeof ASSIGNABLE)[number];
}

export class ContactDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ format: 'email' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ example: '+81-3-1234-5678' })
  @IsOptional()
  @Matches(/^\+?[0-9 ()-]{3,30}$/, { message: 'must be a phone number' })
  phone?: string;

  @ApiProperty({ enum: ['ja', 'en'] })
  @IsIn(['ja', 'en'])
  language!: 'ja' | 'en';

  @ApiProperty({ minimum: 1, description: '1 is contacted first' })
  @IsInt()
  @Min(1)
  @Max(100)
  priority!: number;
}

export class SetContactsDto {
  @ApiProperty({ type: [ContactDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts!: ContactDto[];
}

export class CreateApiTokenDto {
  @ApiProperty({ maxLength: 100, description: 'what the token is for, e.g. "SIEM export"' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ format: 'date-time', description: 'required; at most one year ahead' })
  @IsDateString({ strict: true })
  expiresAt!: string;

  @ApiPropertyOptional({
    enum: ROLES,
    isArray: true,
    description: "a subset of the owner's roles; all of them by default",
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];
}

export class UserIdQuery {
  @IsOptional()
  @IsUUID()
  userId?: string;
}

export class OrgIdQuery {
  @IsOptional()
  @IsUUID()
  orgId?: string;
}

export class ClientOrgIdQuery {
  @IsOptional()
  @IsUUID()
  clientOrgId?: string;
}
