import 'reflect-metadata';
import { bootstrapService } from '#libs/platform';
import { PublisherModule } from './publisher.module.js';
import { publisherServiceOptions } from './publisher.service.js';

await bootstrapService(PublisherModule, publisherServiceOptions());
