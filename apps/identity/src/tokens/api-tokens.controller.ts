import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AUTH_CLOCK, Authenticated, type Clock, CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import { ApiError, RequireJson } from '#libs/platform';
import { CreateApiTokenDto, UserIdQuery } from '../admin/admin.dto.js';
import { ApiTokenSummaryDto, CreatedApiTokenDto } from '../admin/admin.responses.js';
import { ApiTokenService, type ApiTokenSummary, type CreatedApiToken } from './api-tokens.service.js';

const TOKEN_ID = /^[0-9a-f]{16}$/;

function tokenIdOf(raw: string): string {
  if (!TOKEN_ID.test(raw)) throw new ApiError('not_found', 'No such API token.');
  return raw;
}

/** A signed-in user's own API tokens: create (the token is in this one answer only), list, revoke. */
@ApiTags('api-tokens')
@Controller('api-tokens')
export class ApiTokensController {
  constructor(
    @Inject(ApiTokenService) private readonly tokens: ApiTokenService,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Authenticated()
  @RequireJson()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  create(
    @CurrentPrincipal() owner: Principal,
    @Body() body: CreateApiTokenDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CreatedApiToken> {
    res.setHeader('Cache-Control', 'no-store');
    return this.tokens.create(
      owner,
      { name: body.name, expiresAt: new Date(body.expiresAt), roles: body.roles },
      this.clock.now(),
    );
  }

  @Get()
  @Authenticated()
  @ApiOkResponse({ type: [ApiTokenSummaryDto] })
  list(@CurrentPrincipal() owner: Principal): Promise<ApiTokenSummary[]> {
    return this.tokens.list({ userId: owner.userId });
  }

  @Delete(':tokenId')
  @Authenticated()
  @HttpCode(204)
  @ApiNoContentResponse()
  async revoke(@CurrentPrincipal() owner: Principal, @Param('tokenId') tokenId: string): Promise<void> {
    await this.tokens.revoke(tokenIdOf(tokenId), owner, this.clock.now(), owner.userId);
  }
}

/** Every API token, for admins (revoke any) and auditors (read). */
@ApiTags('admin')
@Controller('admin/api-tokens')
export class AdminApiTokensController {
  constructor(
    @Inject(ApiTokenService) private readonly tokens: ApiTokenService,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('admin', 'auditor')
  @ApiOkResponse({ type: [ApiTokenSummaryDto] })
  list(@Query() query: UserIdQuery): Promise<ApiTokenSummary[]> {
    return this.tokens.list({ userId: query.userId });
  }

  @Delete(':tokenId')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  async revoke(@CurrentPrincipal() by: Principal, @Param('tokenId') tokenId: string): Promise<void> {
    await this.tokens.revoke(tokenIdOf(tokenId), by, this.clock.now());
  }
}
