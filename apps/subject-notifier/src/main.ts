import 'reflect-metadata';
import { bootstrapService } from '#libs/platform';
import { SubjectNotifierModule } from './subject-notifier.module.js';
import { subjectNotifierServiceOptions } from './subject-notifier.service.js';

await bootstrapService(SubjectNotifierModule.forRoot(), subjectNotifierServiceOptions());
