import type {
  CauseIdentifiedJson,
  CountJson,
  DataKindJson,
  IncidentReportedJson,
  InstructionKindJson,
  ReportAmendedJson,
  ReportItemJson,
  SealedTextJson,
} from '#libs/contracts';
import { SEALED_TEXT_PURPOSES } from '#libs/contracts';
import type { CaseTexts, OpenedText } from '../directory/case-texts.js';

/**
 * The report's facts as client-notifier keeps them: the `IncidentReported` data (protobuf JSON, texts still
 * sealed) with every later `ReportAmended` folded in (contracts' `applyReportAmendment`), so a reminder or
 * the acknowledgement page shows what is known now.
 */
export type ReportFacts = IncidentReportedJson;

/**
 * The items of an amendment the client hears about (Art. 16(1): content, quantity, place, circumstances).
 * Changes of the occurrence time, the yes/no facts or the measures alone are not sent as an update.
 */
export const SUBSTANTIVE_ITEMS: ReadonlySet<ReportItemJson> = new Set<ReportItemJson>([
  'REPORT_ITEM_DESCRIPTION',
  'REPORT_ITEM_DATA_KINDS',
  'REPORT_ITEM_PERSONS',
  'REPORT_ITEM_RECORDS',
  'REPORT_ITEM_PLACE_SITE',
  'REPORT_ITEM_PLACE_SYSTEM',
  'REPORT_ITEM_PLACE_MEDIUM',
  'REPORT_ITEM_PLACE_ROUTE',
  'REPORT_ITEM_WHAT_HAPPENED',
  'REPORT_ITEM_HOW_DISCOVERED',
]);

export function substantiveItems(amended: ReportAmendedJson): ReportItemJson[] {
  return (amended.changedItems ?? []).filter((item) => SUBSTANTIVE_ITEMS.has(item));
}

/** The report's free-text items in clear (or erased), for one message. */
export interface OpenedReport {
  readonly description?: OpenedText;
  readonly dataKinds: readonly DataKindJson[];
  readonly persons?: CountJson;
  readonly records?: CountJson;
  readonly place: {
    readonly site?: OpenedText;
    readonly system?: OpenedText;
    readonly medium?: OpenedText;
    readonly route?: OpenedText;
  };
  readonly circumstances: { readonly whatHappened?: OpenedText; readonly howDiscovered?: OpenedText };
  readonly measuresTaken?: OpenedText;
  readonly discoveredAt?: string;
  readonly occurredAt?: string;
  readonly reportedAt?: string;
}

const PURPOSES = SEALED_TEXT_PURPOSES.report;

/** Opens every text of the report (in parallel; the case key is looked up once and cached). */
export async function openReport(texts: CaseTexts, report: ReportFacts): Promise<OpenedReport> {
  const open = (sealed: SealedTextJson | undefined, purpose: string) => texts.open(sealed, purpose);
  const [description, measuresTaken, site, system, medium, route, whatHappened, howDiscovered] =
    await Promise.all([
      open(report.content?.description, PURPOSES.description),
      open(report.measuresTaken, PURPOSES.measuresTaken),
      open(report.place?.site, PURPOSES.place.site),
      open(report.place?.system, PURPOSES.place.system),
      open(report.place?.medium, PURPOSES.place.medium),
      open(report.place?.route, PURPOSES.place.route),
      open(report.circumstances?.whatHappened, PURPOSES.circumstances.whatHappened),
      open(report.circumstances?.howDiscovered, PURPOSES.circumstances.howDiscovered),
    ]);
  return {
    description,
    dataKinds: report.content?.dataKinds ?? [],
    persons: report.quantity?.persons,
    records: report.quantity?.records,
    place: { site, system, medium, route },
    circumstances: { whatHappened, howDiscovered },
    measuresTaken,
    discoveredAt: report.discoveredAt,
    occurredAt: report.occurredAt,
    reportedAt: report.reportedAt,
  };
}

/** An instruction of the client as kept for the update about its completion. */
export interface InstructionRecord {
  readonly kind: InstructionKindJson;
  readonly text?: SealedTextJson;
}

/** One substantive change the client is told about (in an immediate update or a digest). */
export type UpdateItem =
  | { readonly type: 'amendment'; readonly at: string; readonly amended: ReportAmendedJson }
  | {
      readonly type: 'assessment';
      readonly at: string;
      readonly summaryJa: string;
      readonly summaryEn: string;
    }
  | {
      readonly type: 'instruction_completed';
      readonly at: string;
      readonly instructionId: string;
      readonly instruction?: InstructionRecord;
      readonly evidenceNote?: SealedTextJson;
    }
  | { readonly type: 'cause'; readonly at: string; readonly cause: CauseIdentifiedJson };
