import type { AccessAnomalyDetectedJson } from '#libs/contracts';
import { composeMessage, type LocalizedContent, type MailMessage } from '#libs/mail';

type Kind = AccessAnomalyDetectedJson['kind'];

const TITLES: Record<string, { ja: string; en: string }> = {
  ANOMALY_KIND_BULK_READ: { ja: '大量閲覧', en: 'bulk read' },
  ANOMALY_KIND_REPEATED_DENIALS_FROM_ADDRESS: {
    ja: '同一アドレスからの拒否の多発',
    en: 'repeated denials from one address',
  },
  ANOMALY_KIND_REPEATED_DENIALS_FOR_ACCOUNT: {
    ja: '同一アカウントへの拒否の多発',
    en: 'repeated denials for one account',
  },
  ANOMALY_KIND_OFF_HOURS_ACCESS: { ja: '時間外のアクセス', en: 'access at off-hours' },
};

const titleOf = (kind: Kind | undefined) =>
  TITLES[kind ?? ''] ?? { ja: 'アクセス異常', en: 'access anomaly' };

/** A UTC instant shown in Japan time, which the contractor works in. */
function inTokyo(iso: string | undefined): string {
  if (!iso) return '-';
  return `${new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', hour12: false })} JST (${iso})`;
}

/**
 * The e-mail to the contractor's responsible persons about one finding: Japanese first, then English.
 * Identifiers and counts only (an account id or a client address, never a name or a case's content),
 * so the mail may travel through ordinary mail systems.
 */
export function anomalyMail(to: readonly string[], data: AccessAnomalyDetectedJson): MailMessage {
  const title = titleOf(data.kind);
  const subject = data.actorId ? `account ${data.actorId}` : `address ${data.clientIp ?? '-'}`;
  const subjectJa = data.actorId ? `アカウント ${data.actorId}` : `アドレス ${data.clientIp ?? '-'}`;
  const services = (data.services ?? []).join(', ') || '-';
  const ja: LocalizedContent = {
    subject: `【要確認】アクセス異常を検知: ${title.ja}`,
    paragraphs: [
      `アクセス記録の分析で「${title.ja}」を検知しました。不正なアクセスでないか確認してください（契約 第6条(8)(3)）。`,
      [
        `対象: ${subjectJa}`,
        `件数: ${data.count ?? 0}（しきい値 ${data.threshold ?? 0}、うちエクスポート ${data.exports ?? 0}）`,
        `期間: ${inTokyo(data.windowStart)} ～ ${inTokyo(data.windowEnd)}`,
        `検知時刻: ${inTokyo(data.detectedAt)}`,
        `サービス: ${services}`,
        `検知ID: ${data.findingId}`,
      ].join('\n'),
      `詳細は監査レポート（GET /audit/report?from=${data.periodFrom}&to=${data.periodTo}）で確認できます。`,
    ],
  };
  const en: LocalizedContent = {
    subject: `[Action needed] Access anomaly detected: ${title.en}`,
    paragraphs: [
      `The analysis of the access records found "${title.en}". Please check whether this is unauthorised access (contract Art. 6(8)(3)).`,
      [
        `Subject: ${subject}`,
        `Count: ${data.count ?? 0} (threshold ${data.threshold ?? 0}, of which exports ${data.exports ?? 0})`,
        `Window: ${data.windowStart} to ${data.windowEnd}`,
        `Detected at: ${data.detectedAt}`,
        `Services: ${services}`,
        `Finding id: ${data.findingId}`,
      ].join('\n'),
      `The audit report has the details: GET /audit/report?from=${data.periodFrom}&to=${data.periodTo}`,
    ],
  };
  return composeMessage(to, [
    ['ja', ja],
    ['en', en],
  ]);
}
