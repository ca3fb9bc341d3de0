import type { HistoryEvent } from '../projection/case-state.js';

/** The kinds of event the timeline can be filtered by (`?kind=`), by event type name. */
export const EVENT_CATEGORIES: Readonly<Record<string, string>> = {
  IncidentReported: 'report',
  ReportAmended: 'report',
  CauseIdentified: 'report',
  RegulatoryAssessmentMade: 'assessment',
  InstructionIssued: 'instruction',
  InstructionAcknowledged: 'instruction',
  InstructionProgressReported: 'instruction',
  InstructionCompleted: 'instruction',
  InstructionConfirmed: 'instruction',
  InstructionReopened: 'instruction',
  MeasureRecorded: 'measure',
  MeasureCompleted: 'measure',
  ClientNotificationSent: 'client',
  ClientNotificationFailed: 'client',
  ClientAcknowledged: 'client',
  ClientReminderSent: 'client',
  ClientEscalated: 'client',
  DeadlineApproaching: 'clock',
  DeadlineMissed: 'clock',
  SubjectsImported: 'subjects',
  NoticeCampaignStarted: 'subjects',
  NoticeDelivered: 'subjects',
  NoticeFailed: 'subjects',
  NoticeCampaignCompleted: 'subjects',
  PublicNoticePosted: 'subjects',
  StatementDrafted: 'statement',
  StatementRevised: 'statement',
  ConsultationRequested: 'statement',
  StatementApproved: 'statement',
  ChangesRequested: 'statement',
  StatementPublished: 'statement',
  RegulatorReportDrafted: 'regulator',
  RegulatorReportSubmitted: 'regulator',
  CaseClosed: 'closure',
};

export const CATEGORIES = [
  'report',
  'assessment',
  'instruction',
  'measure',
  'client',
  'clock',
  'subjects',
  'statement',
  'regulator',
  'closure',
  'other',
] as const;

export const categoryOf = (type: string): string => EVENT_CATEGORIES[type] ?? 'other';

const str = (value: unknown) => (typeof value === 'string' ? value : '');
const tail = (value: unknown, prefix: string) =>
  str(value).replace(prefix, '').toLowerCase().replaceAll('_', ' ');
const short = (id: unknown) => str(id).slice(0, 8);

/** One line about the event, from identifiers, kinds and times only (never sealed text). */
export function summaryOf(event: HistoryEvent): string {
  const d = event.data;
  switch (event.type) {
    case 'IncidentReported':
      return `Leak reported${d.caseNumber ? ` as ${str(d.caseNumber)}` : ''}; discovered ${str(d.discoveredAt)}`;
    case 'ReportAmended': {
      const items = Array.isArray(d.changedItems)
        ? d.changedItems.map((item) => tail(item, 'REPORT_ITEM_'))
        : [];
      return `Report amended${items.length > 0 ? `: ${items.join(', ')}` : ''}`;
    }
    case 'RegulatoryAssessmentMade':
      return `Regulatory assessment: ${str(d.summaryEn) || 'made'}`;
    case 'InstructionIssued':
      return `Instruction issued (${tail(d.kind, 'INSTRUCTION_KIND_')})${d.dueAt ? `, due ${str(d.dueAt)}` : ''} [${short(d.instructionId)}]`;
    case 'InstructionAcknowledged':
      return `Instruction acknowledged [${short(d.instructionId)}]`;
    case 'InstructionProgressReported':
      return `Progress reported on instruction [${short(d.instructionId)}]`;
    case 'InstructionCompleted':
      return `Instruction completed, with evidence [${short(d.instructionId)}]`;
    case 'InstructionConfirmed':
      return `Client confirmed the instruction [${short(d.instructionId)}]`;
    case 'InstructionReopened':
      return `Client reopened the instruction [${short(d.instructionId)}]`;
    case 'MeasureRecorded':
      return `Damage-minimising measure recorded [${short(d.measureId)}]`;
    case 'MeasureCompleted':
      return `Measure completed [${short(d.measureId)}]`;
    case 'CauseIdentified':
      return `Cause identified (caused by the processor: ${tail(d.causedByProcessor, 'TRI_STATE_') || 'unspecified'})`;
    case 'CaseClosed':
      return `Case closed${Array.isArray(d.openInstructionIds) && d.openInstructionIds.length > 0 ? ` with ${d.openInstructionIds.length} instruction(s) open` : ''}`;
    case 'ClientNotificationSent':
      return `E-mail to the client (${tail(d.kind, 'NOTIFICATION_KIND_')}) accepted for ${tail((d.recipient as Record<string, unknown> | undefined)?.kind, 'RECIPIENT_KIND_')} ${short((d.recipient as Record<string, unknown> | undefined)?.id)}`;
    case 'ClientNotificationFailed':
      return `E-mail to the client (${tail(d.kind, 'NOTIFICATION_KIND_')}) failed: SMTP ${String(d.smtpCode ?? 0)}`;
    case 'ClientAcknowledged':
      return `Client acknowledged receipt (${tail(d.channel, 'ACKNOWLEDGEMENT_CHANNEL_')}) by ${short(d.acknowledgedBy)}`;
    case 'ClientReminderSent':
      return `Reminder ${String(d.reminderNumber ?? '')} sent to ${Array.isArray(d.contactIds) ? d.contactIds.length : 0} contact(s)`;
    case 'ClientEscalated':
      return `Escalated to ${Array.isArray(d.contactIds) ? d.contactIds.length : 0} further contact(s) and the responsible person`;
    case 'RegulatorReportSubmitted':
      return `Report submitted: ${tail(d.kind, 'REGULATOR_REPORT_KIND_')}${d.referenceNumber ? ` (reference ${str(d.referenceNumber)})` : ''}`;
    case 'DeadlineApproaching':
      return `Deadline approaching: ${tail(d.clock, 'CLOCK_KIND_')} due ${str(d.dueAt)}`;
    case 'DeadlineMissed':
      return `Deadline missed: ${tail(d.clock, 'CLOCK_KIND_')} was due ${str(d.dueAt)}`;
    default:
      return event.type.replace(/([a-z])([A-Z])/g, '$1 $2');
  }
}
