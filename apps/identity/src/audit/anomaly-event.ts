import type { AccessAnomalyDetectedJson } from '#libs/contracts';
import type { NewEvent } from '#libs/event-store';
import type { AnomalyKindName, Finding, Period } from './findings.js';

/** The actor of the analysis' events: the system, not a person. */
export const ANALYSIS_ACTOR = { id: 'system:access-analysis', kind: 'system' } as const;

const KIND_NAMES: Record<AnomalyKindName, AccessAnomalyDetectedJson['kind']> = {
  bulk_read: 'ANOMALY_KIND_BULK_READ',
  repeated_denials_from_address: 'ANOMALY_KIND_REPEATED_DENIALS_FROM_ADDRESS',
  repeated_denials_for_account: 'ANOMALY_KIND_REPEATED_DENIALS_FOR_ACCOUNT',
  off_hours_access: 'ANOMALY_KIND_OFF_HOURS_ACCESS',
};

/** Each finding is a stream of its own: appending with `no_stream` reports it at most once. */
export const anomalyStreamId = (findingId: string) => `access-anomaly-${findingId}`;

export function anomalyEventData(finding: Finding, period: Period): AccessAnomalyDetectedJson {
  return {
    findingId: finding.id,
    kind: KIND_NAMES[finding.kind],
    windowStart: finding.windowStart.toISOString(),
    windowEnd: finding.windowEnd.toISOString(),
    detectedAt: finding.detectedAt.toISOString(),
    ...(finding.actorId ? { actorId: finding.actorId } : {}),
    ...(finding.clientIp ? { clientIp: finding.clientIp } : {}),
    count: finding.count,
    threshold: finding.threshold,
    exports: finding.exports,
    services: [...finding.services],
    periodFrom: period.from.toISOString(),
    periodTo: period.to.toISOString(),
  };
}

export function anomalyEvent(
  finding: Finding,
  period: Period,
  now: Date,
): NewEvent<'AccessAnomalyDetected', AccessAnomalyDetectedJson> {
  return {
    type: 'AccessAnomalyDetected',
    data: anomalyEventData(finding, period),
    metadata: { occurredAt: now.toISOString(), actor: { ...ANALYSIS_ACTOR } },
  };
}
