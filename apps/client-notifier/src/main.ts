import 'reflect-metadata';
import { bootstrapService } from '#libs/platform';
import { ClientNotifierModule } from './client-notifier.module.js';
import { clientNotifierServiceOptions } from './client-notifier.service.js';

await bootstrapService(ClientNotifierModule.forRoot(), clientNotifierServiceOptions());
