import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email!: string;

  @ApiProperty({ format: 'password', maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}

export class SignedInDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({
    description: 'send it as X-CSRF-Token (fetch) or _csrf (forms) with state-changing requests',
  })
  csrfToken!: string;
  @ApiProperty({ format: 'date-time', description: 'the latest the session can last (12 h)' })
  expiresAt!: string;
}

export class AccessTokenDto {
  @ApiProperty({ description: 'EdDSA-signed JWT; send as Authorization: Bearer' }) accessToken!: string;
  @ApiProperty({ description: 'seconds until it expires' }) expiresIn!: number;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
}

export class MeDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['user', 'token'] }) type!: 'user' | 'token';
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ enum: ['contractor', 'client'] }) orgKind!: 'contractor' | 'client';
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({
    description: "contract ids, or 'all'",
    oneOf: [
      { type: 'array', items: { type: 'string' } },
      { type: 'string', enum: ['all'] },
    ],
  })
  contracts!: string[] | 'all';
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ required: false, description: 'present for web sessions' }) csrfToken?: string;
}
