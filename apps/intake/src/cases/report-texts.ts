import type { EntityManager } from 'typeorm';
import { SEALED_TEXT_PURPOSES, type SealedTextJson } from '#libs/contracts';
import { type CaseKeyring, CaseTextOpener, type OpenedText, sealedToJson } from '#libs/sealing';
import {
  CIRCUMSTANCE_PARTS,
  type LeakCircumstancesFacts,
  type LeakPlaceFacts,
  PLACE_PARTS,
  type ReportFacts,
} from './domain/facts.js';

const PURPOSES = SEALED_TEXT_PURPOSES.report;

/** The free-text items of a report or an amendment, in clear, as received. */
export interface ReportTextsInput {
  description?: string;
  place?: Partial<Record<(typeof PLACE_PARTS)[number], string>>;
  circumstances?: Partial<Record<(typeof CIRCUMSTANCE_PARTS)[number], string>>;
  measuresTaken?: string;
}

/** The same items sealed with the case key, ready for the domain command. */
export interface SealedReportTexts {
  description?: SealedTextJson;
  place?: LeakPlaceFacts;
  circumstances?: LeakCircumstancesFacts;
  measuresTaken?: SealedTextJson;
}

/** Every text item present, with the purpose it is sealed for and where it goes in the sealed result. */
function textItems(input: ReportTextsInput) {
  const items: Array<{
    text: string;
    purpose: string;
    put: (out: SealedReportTexts, s: SealedTextJson) => void;
  }> = [];
  if (input.description !== undefined) {
    items.push({
      text: input.description,
      purpose: PURPOSES.description,
      put: (o, s) => (o.description = s),
    });
  }
  for (const part of PLACE_PARTS) {
    const text = input.place?.[part];
    if (text !== undefined) {
      items.push({
        text,
        purpose: PURPOSES.place[part],
        put: (o, s) => (o.place = { ...o.place, [part]: s }),
      });
    }
  }
  for (const part of CIRCUMSTANCE_PARTS) {
    const text = input.circumstances?.[part];
    if (text !== undefined) {
      items.push({
        text,
        purpose: PURPOSES.circumstances[part],
        put: (o, s) => (o.circumstances = { ...o.circumstances, [part]: s }),
      });
    }
  }
  if (input.measuresTaken !== undefined) {
    items.push({
      text: input.measuresTaken,
      purpose: PURPOSES.measuresTaken,
      put: (o, s) => (o.measuresTaken = s),
    });
  }
  return items;
}

/**
 * Seals the report's text items with the case key (created on first use) in the caller's transaction, so a
 * refused report or amendment leaves neither a key nor a ciphertext behind. No text, no key.
 */
export async function sealReportTexts(
  keyring: CaseKeyring,
  caseId: string,
  input: ReportTextsInput,
  manager: EntityManager,
  /** the case id was just made (a report): its key is created without looking for one first */
  newCase = false,
): Promise<SealedReportTexts> {
  const items = textItems(input);
  const out: SealedReportTexts = {};
  if (items.length === 0) return out;
  const sealed = await keyring.sealMany(
    caseId,
    items.map(({ text, purpose }) => ({ text, purpose })),
    manager,
    { newCase },
  );
  for (const [i, item] of items.entries()) item.put(out, sealedToJson(sealed[i]));
  return out;
}

/** The text of an opened item, or `null` when the case was erased (the API shows `null` with `erased`). */
const textOf = (opened: OpenedText | undefined) =>
  opened === undefined ? undefined : 'text' in opened ? opened.text : null;

/** The report's text items in clear (or `null` for erased ones), for an authorised reader. */
export async function openReportTexts(keyring: CaseKeyring, facts: ReportFacts) {
  const opener = new CaseTextOpener(keyring);
  const open = (sealed: SealedTextJson | undefined, purpose: string) => opener.open(sealed, purpose);
  const [description, measuresTaken, ...parts] = await Promise.all([
    open(facts.description, PURPOSES.description),
    open(facts.measuresTaken, PURPOSES.measuresTaken),
    ...PLACE_PARTS.map((part) => open(facts.place[part], PURPOSES.place[part])),
    ...CIRCUMSTANCE_PARTS.map((part) => open(facts.circumstances[part], PURPOSES.circumstances[part])),
  ]);
  const place = Object.fromEntries(
    PLACE_PARTS.map((part, i) => [part, textOf(parts[i])]).filter(([, v]) => v !== undefined),
  );
  const circumstances = Object.fromEntries(
    CIRCUMSTANCE_PARTS.map((part, i) => [part, textOf(parts[PLACE_PARTS.length + i])]).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const erased = [description, measuresTaken, ...parts].some((o) => o !== undefined && 'erased' in o);
  return {
    description: textOf(description),
    place,
    circumstances,
    measuresTaken: textOf(measuresTaken),
    erased,
  };
}
