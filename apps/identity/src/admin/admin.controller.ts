import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AUTH_CLOCK, type Clock, CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import { ApiError, RequireJson } from '#libs/platform';
import {
  AssignmentDto,
  ClientOrgIdQuery,
  CreateContractDto,
  CreateOrganisationDto,
  CreateUserDto,
  OrgIdQuery,
  SetContactsDto,
  SetUserStatusDto,
} from './admin.dto.js';
import { ContractDetailDto, ContractDto, OrganisationDto, UserDto } from './admin.responses.js';
import {
  AdminService,
  type Contract,
  type ContractDetail,
  type Organisation,
  type User,
} from './admin.service.js';

const ASSIGNABLE_ROLE = /^(reporter|responder|responsible)$/;

/**
 * Administration of organisations, users and contracts: admins change, auditors read. Every change
 * is written to the `admin_changes` trail (and, like every request, to the access log).
 */
@ApiTags('admin')
@Controller('admin')
@RequireJson()
export class AdminController {
  constructor(
    @Inject(AdminService) private readonly admin: AdminService,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  @Post('organisations')
  @Roles('admin')
  @ApiCreatedResponse({ type: OrganisationDto })
  createOrganisation(
    @CurrentPrincipal() by: Principal,
    @Body() body: CreateOrganisationDto,
  ): Promise<Organisation> {
    return this.admin.createClientOrganisation(
      by,
      { name: body.name, isPublicBody: body.isPublicBody ?? false },
      this.clock.now(),
    );
  }

  @Get('organisations')
  @Roles('admin', 'auditor')
  @ApiOkResponse({ type: [OrganisationDto] })
  listOrganisations(): Promise<Organisation[]> {
    return this.admin.listOrganisations();
  }

  @Post('users')
  @Roles('admin')
  @ApiCreatedResponse({ type: UserDto })
  createUser(@CurrentPrincipal() by: Principal, @Body() body: CreateUserDto): Promise<User> {
    return this.admin.createUser(by, body, this.clock.now());
  }

  @Get('users')
  @Roles('admin', 'auditor')
  @ApiOkResponse({ type: [UserDto] })
  listUsers(@Query() query: OrgIdQuery): Promise<User[]> {
    return this.admin.listUsers({ orgId: query.orgId });
  }

  @Put('users/:userId/status')
  @Roles('admin')
  @ApiOkResponse({ type: UserDto })
  setUserStatus(
    @CurrentPrincipal() by: Principal,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Body() body: SetUserStatusDto,
  ): Promise<User> {
    return this.admin.setUserStatus(by, userId, body.status, this.clock.now());
  }

  @Post('contracts')
  @Roles('admin')
  @ApiCreatedResponse({ type: ContractDetailDto })
  createContract(
    @CurrentPrincipal() by: Principal,
    @Body() body: CreateContractDto,
  ): Promise<ContractDetail> {
    return this.admin.createContract(by, body, this.clock.now());
  }

  @Get('contracts')
  @Roles('admin', 'auditor')
  @ApiOkResponse({ type: [ContractDto] })
  listContracts(@Query() query: ClientOrgIdQuery): Promise<Contract[]> {
    return this.admin.listContracts({ clientOrgId: query.clientOrgId });
  }

  @Get('contracts/:contractId')
  @Roles('admin', 'auditor')
  @ApiOkResponse({ type: ContractDetailDto })
  getContract(@Param('contractId', new ParseUUIDPipe()) contractId: string): Promise<ContractDetail> {
    return this.admin.getContract(contractId);
  }

  @Post('contracts/:contractId/assignments')
  @Roles('admin')
  @ApiCreatedResponse({ type: ContractDetailDto })
  assign(
    @CurrentPrincipal() by: Principal,
    @Param('contractId', new ParseUUIDPipe()) contractId: string,
    @Body() body: AssignmentDto,
  ): Promise<ContractDetail> {
    return this.admin.assign(by, contractId, body, this.clock.now());
  }

  @Delete('contracts/:contractId/assignments/:userId/:role')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  async unassign(
    @CurrentPrincipal() by: Principal,
    @Param('contractId', new ParseUUIDPipe()) contractId: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Param('role') role: string,
  ): Promise<void> {
    if (!ASSIGNABLE_ROLE.test(role)) throw new ApiError('not_found', 'No such assignment.');
    await this.admin.unassign(
      by,
      contractId,
      { userId, role: role as AssignmentDto['role'] },
      this.clock.now(),
    );
  }

  @Put('contracts/:contractId/contacts')
  @Roles('admin')
  @ApiOkResponse({ type: ContractDetailDto })
  setContacts(
    @CurrentPrincipal() by: Principal,
    @Param('contractId', new ParseUUIDPipe()) contractId: string,
    @Body() body: SetContactsDto,
  ): Promise<ContractDetail> {
    return this.admin.setContacts(
      by,
      contractId,
      body.contacts.map((contact) => ({ ...contact, phone: contact.phone ?? null })),
      this.clock.now(),
    );
  }
}
