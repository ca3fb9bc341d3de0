import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { EntityManager } from 'typeorm';
import { decodeEventJson, type Envelope, eventTypeOfFullName } from '#libs/contracts';
import type { Erasure } from '../erasure/erasure.js';
import { type CaseRegistry, RETURN_OR_ERASE } from './case-registry.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The consumer of `intake.case.events.v1`: a reported case (its contract, for tenant scoping), the
 * instructions issued on it (a campaign needs one to notify subjects), and the instruction to return or
 * erase the data, which erases the case's persons. Other events are skipped.
 */
export async function handleIntakeEvent(
  registry: CaseRegistry,
  erasure: Erasure,
  envelope: Envelope,
  manager: EntityManager,
): Promise<void> {
  if (eventTypeOfFullName(envelope.type) === undefined || !UUID.test(envelope.caseId)) return;
  const caseId = envelope.caseId.toLowerCase();
  const occurredAt = envelope.occurredAt ? timestampDate(envelope.occurredAt) : new Date();
  const event = decodeEventJson(envelope);
  switch (event.type) {
    case 'IncidentReported':
      return registry.caseReported(manager, {
        caseId,
        contractId: event.data.contractId ?? '',
        caseNumber: event.data.caseNumber ?? '',
      });
    case 'InstructionIssued': {
      const kind = String(event.data.kind ?? 'INSTRUCTION_KIND_UNSPECIFIED');
      const instructionId = event.data.instructionId ?? '';
      if (!(await registry.find(caseId, manager))) return;
      await registry.instructionIssued(manager, { caseId, instructionId, kind, issuedAt: occurredAt });
      if (kind === RETURN_OR_ERASE) {
        await erasure.eraseOnInstruction(manager, caseId, {
          instructionId,
          issuedBy: event.data.issuedBy?.userId ?? envelope.actor?.id ?? 'client',
          now: occurredAt,
        });
      }
      return;
    }
    default:
      return;
  }
}
