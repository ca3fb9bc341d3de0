import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { JSONWebKeySet } from 'jose';
import { Public } from '#libs/auth';
import { AccessTokenSigner } from '../tokens/access-token-signer.js';

/** The public keys access tokens are verified with (every configured key, for rotation). */
@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(AccessTokenSigner) private readonly signer: AccessTokenSigner) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'JWKS of Ed25519 public keys' })
  jwks(): JSONWebKeySet {
    return this.signer.publicKeys;
  }
}
