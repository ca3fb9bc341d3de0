import 'reflect-metadata';
import { bootstrapService } from '#libs/platform';
import { IdentityModule } from './identity.module.js';
import { identityServiceOptions } from './identity.service.js';

await bootstrapService(IdentityModule, identityServiceOptions());
