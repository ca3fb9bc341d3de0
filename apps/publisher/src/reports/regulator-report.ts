import type { SourceEvent } from '../cases/case-facts.js';
import { countText, dataKindsText, type OpenedFacts, type Text } from '../statements/prefill.js';
import { escapeHtml } from '../statements/sections.js';

export const REGULATOR_REPORT_KINDS = [
  'ppc_preliminary',
  'ppc_final',
  'gdpr_art33',
  'processor_notice',
] as const;
export type RegulatorReportKind = (typeof REGULATOR_REPORT_KINDS)[number];

/** One item of a report: its value from the case, whether it is known, and the events it came from. */
export interface ReportItem {
  readonly no: number;
  readonly title: string;
  readonly value: string;
  readonly known: boolean;
  readonly sources: readonly SourceEvent[];
}

export interface RegulatorReportDraft {
  readonly kind: RegulatorReportKind;
  readonly title: string;
  readonly caseNumber: string;
  readonly items: readonly ReportItem[];
}

/** What the regulator reports know besides the case: the publisher's own publication record. */
export interface PublicationFacts {
  readonly published: ReadonlyArray<{ number: number; publishedAt: string; slug: string }>;
}

const said = (text: Text): string | undefined =>
  text === undefined ? undefined : typeof text === 'string' ? text : '（消去済み / erased）';

const date = (iso: string | undefined) => (iso ? iso.slice(0, 10) : undefined);

function sourcesOf(
  all: readonly SourceEvent[],
  factSources: Record<string, string[]>,
  facts: readonly string[],
): SourceEvent[] {
  const ids = new Set(facts.flatMap((fact) => factSources[fact] ?? []));
  return all.filter((event) => ids.has(event.eventId));
}

const UNKNOWN = '未確認 / not yet known';

/**
 * The PPC report's nine items (Rule 8(1)) for the preliminary (速報) or final (確報) report, each with its
 * source events; an item the case does not tell is flagged unknown (the final report must complete it).
 */
export function ppcReport(
  kind: 'ppc_preliminary' | 'ppc_final',
  facts: OpenedFacts,
  sources: readonly SourceEvent[],
  factSources: Record<string, string[]>,
  publication: PublicationFacts,
): RegulatorReportDraft {
  const src = (...names: string[]) => sourcesOf(sources, factSources, names);
  const overviewParts = [
    `発生日 occurred: ${date(facts.occurredAt) ?? UNKNOWN}`,
    `発覚日 discovered: ${date(facts.discoveredAt) ?? UNKNOWN}`,
    `事案 what happened: ${said(facts.whatHappened) ?? said(facts.description) ?? UNKNOWN}`,
    `発見の経緯 how found: ${said(facts.howDiscovered) ?? UNKNOWN}`,
    `報告対象事態 Rule 7: ${facts.assessment?.ja ?? UNKNOWN}`,
    '委託関係: 当社は委託先（受託者）として取り扱っていた / the reporter is the processor',
  ];
  const place = [facts.place.site, facts.place.system, facts.place.medium, facts.place.route]
    .map(said)
    .filter((part) => part !== undefined);
  const persons = countText('ja', facts.persons, 'persons');
  const done = facts.measures.filter((m) => m.completed).map((m) => said(m.text) ?? '');
  const planned = facts.measures.filter((m) => !m.completed).map((m) => said(m.text) ?? '');
  const notify = facts.instructions.filter((i) => i.kind === 'INSTRUCTION_KIND_NOTIFY_SUBJECTS');
  const items: ReportItem[] = [
    {
      no: 1,
      title: '概要 Overview',
      value: overviewParts.join('\n'),
      known: facts.discoveredAt !== undefined && (facts.whatHappened ?? facts.description) !== undefined,
      sources: src('overview', 'assessment'),
    },
    {
      no: 2,
      title: '漏えい等が発生し、又は発生したおそれがある個人データの項目 Data items',
      value: `${dataKindsText('ja', facts.dataKinds)}${place.length > 0 ? `\n媒体等 medium: ${place.join(' / ')}` : ''}`,
      known: facts.dataKinds.length > 0,
      sources: src('dataItems'),
    },
    {
      no: 3,
      title: '本人の数 Number of persons',
      value: persons,
      known:
        facts.persons !== undefined &&
        !['COUNT_PRECISION_UNKNOWN', 'COUNT_PRECISION_UNSPECIFIED', undefined].includes(
          facts.persons.precision,
        ),
      sources: src('quantity'),
    },
    {
      no: 4,
      title: '原因 Cause',
      value:
        facts.cause === undefined
          ? UNKNOWN
          : `${said(facts.cause)}\n委託先起因 caused by the processor: ${facts.causedByProcessor === 'TRI_STATE_YES' ? 'はい yes' : facts.causedByProcessor === 'TRI_STATE_NO' ? 'いいえ no' : UNKNOWN}`,
      known: facts.cause !== undefined,
      sources: src('cause'),
    },
    {
      no: 5,
      title: '二次被害又はそのおそれの有無及びその内容 Secondary damage',
      value:
        facts.improperPurposeSuspected === 'TRI_STATE_YES'
          ? '不正の目的によるおそれあり（二次被害の有無は調査中）/ improper purpose suspected; secondary damage under investigation'
          : UNKNOWN,
      known: false,
      sources: src('overview'),
    },
    {
      no: 6,
      title: '本人への対応の実施状況 Actions toward the persons',
      value:
        notify.length === 0
          ? UNKNOWN
          : notify
              .map((i) => `${said(i.text) ?? ''}${i.completed ? '（完了 done）' : '（実施中 in progress）'}`)
              .join('\n'),
      known: notify.length > 0,
      sources: src('instructions'),
    },
    {
      no: 7,
      title: '公表の実施状況 Publication status',
      value:
        publication.published.length === 0
          ? '未公表 / not published'
          : publication.published
              .map((p) => `第${p.number}報 ${p.publishedAt.slice(0, 10)} /statements/${p.slug}`)
              .join('\n'),
      known: true,
      sources: [],
    },
    {
      no: 8,
      title: '再発防止のための措置 Recurrence prevention',
      value: [
        `実施済み done: ${done.length === 0 ? 'なし none' : done.join('; ')}`,
        `今後実施予定 planned: ${planned.length === 0 ? 'なし none' : planned.join('; ')}`,
        ...(said(facts.measuresTaken) ? [`判明時の措置 on discovery: ${said(facts.measuresTaken)}`] : []),
      ].join('\n'),
      known: facts.measures.length > 0 || facts.measuresTaken !== undefined,
      sources: src('measures'),
    },
    {
      no: 9,
      title: 'その他参考となる事項 Other',
      value: [facts.assessment?.ja, facts.assessment?.en].filter(Boolean).join('\n') || UNKNOWN,
      known: facts.assessment !== undefined,
      sources: src('assessment'),
    },
  ];
  return {
    kind,
    title:
      kind === 'ppc_preliminary'
        ? '個人情報保護委員会への報告（速報）/ PPC preliminary report'
        : '個人情報保護委員会への報告（確報）/ PPC final report',
    caseNumber: facts.caseNumber,
    items,
  };
}

/** A GDPR Art. 33(3) notification draft: (a) to (d), plus the reasons for a delay past 72 hours. */
export function gdprReport(
  facts: OpenedFacts,
  sources: readonly SourceEvent[],
  factSources: Record<string, string[]>,
): RegulatorReportDraft {
  const src = (...names: string[]) => sourcesOf(sources, factSources, names);
  const measures = facts.measures.map(
    (m) => `${said(m.text) ?? ''}${m.completed ? ' (done)' : ' (planned)'}`,
  );
  return {
    kind: 'gdpr_art33',
    title: 'GDPR Art. 33 notification of a personal data breach (draft)',
    caseNumber: facts.caseNumber,
    items: [
      {
        no: 1,
        title: '(a) Nature of the breach, categories and approximate number of data subjects and records',
        value: [
          said(facts.whatHappened) ?? said(facts.description) ?? UNKNOWN,
          `Categories of data: ${dataKindsText('en', facts.dataKinds)}`,
          `Data subjects: ${countText('en', facts.persons, 'persons')}`,
          `Records: ${countText('en', facts.records, 'records')}`,
          `Became aware: ${facts.discoveredAt ?? UNKNOWN}`,
        ].join('\n'),
        known: (facts.whatHappened ?? facts.description) !== undefined && facts.dataKinds.length > 0,
        sources: src('overview', 'dataItems', 'quantity'),
      },
      {
        no: 2,
        title: '(b) Name and contact details of the data protection officer or other contact point',
        value: UNKNOWN,
        known: false,
        sources: [],
      },
      {
        no: 3,
        title: '(c) Likely consequences of the breach',
        value:
          facts.improperPurposeSuspected === 'TRI_STATE_YES'
            ? 'Misuse is suspected (improper purpose).'
            : UNKNOWN,
        known: facts.improperPurposeSuspected === 'TRI_STATE_YES',
        sources: src('overview'),
      },
      {
        no: 4,
        title: '(d) Measures taken or proposed, including to mitigate adverse effects',
        value: measures.length === 0 ? (said(facts.measuresTaken) ?? UNKNOWN) : measures.join('\n'),
        known: measures.length > 0 || facts.measuresTaken !== undefined,
        sources: src('measures'),
      },
    ],
  };
}

/** The processor's notice to the controller (委託元への通知; APPI Rule 9, GDPR Art. 33(2)). */
export function processorNotice(
  facts: OpenedFacts,
  sources: readonly SourceEvent[],
  factSources: Record<string, string[]>,
): RegulatorReportDraft {
  const ppc = ppcReport('ppc_preliminary', facts, sources, factSources, { published: [] });
  return {
    kind: 'processor_notice',
    title: '委託元への通知 / Notice from the processor to the controller',
    caseNumber: facts.caseNumber,
    items: ppc.items.filter((item) => [1, 2, 3, 4, 8].includes(item.no)),
  };
}

/** Plain text for pasting into the regulator's form. */
export function reportText(draft: RegulatorReportDraft): string {
  const lines = [draft.title, `Case: ${draft.caseNumber}`, ''];
  for (const item of draft.items) {
    lines.push(`${item.no}. ${item.title}${item.known ? '' : '  [UNKNOWN / 未確認]'}`);
    lines.push(...item.value.split('\n').map((line) => `   ${line}`));
    if (item.sources.length > 0) {
      lines.push(
        `   Sources: ${item.sources.map((s) => `${s.type} ${s.eventId} (${s.occurredAt})`).join('; ')}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** HTML (a self-contained fragment-like page) for pasting; every value escaped. */
export function reportHtml(draft: RegulatorReportDraft): string {
  const rows = draft.items
    .map(
      (item) =>
        `<tr${item.known ? '' : ' class="unknown"'}><th scope="row">${item.no}. ${escapeHtml(item.title)}${
          item.known ? '' : ' <strong>[未確認 / unknown]</strong>'
        }</th><td>${escapeHtml(item.value).replaceAll('\n', '<br>')}</td><td>${item.sources
          .map((s) => `${escapeHtml(s.type)} <code>${escapeHtml(s.eventId)}</code>`)
          .join('<br>')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${escapeHtml(draft.title)}</title></head>
<body><h1>${escapeHtml(draft.title)}</h1><p>Case: ${escapeHtml(draft.caseNumber)}</p>
<table><thead><tr><th scope="col">Item</th><th scope="col">Value</th><th scope="col">Source events</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}
