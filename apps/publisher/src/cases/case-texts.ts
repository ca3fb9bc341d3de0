import { CaseTextOpener } from '#libs/sealing';

export type { OpenedText } from '#libs/sealing';

/**
 * Opens the free text of intake's events with the case keys in intake's schema (`INTAKE_SCHEMA`): a
 * deliberate read outside the service's own schema (SELECT on `case_keys`, the same one client-notifier
 * makes; docs/publisher.md). An erased case's texts open as "erased", and the draft says so.
 */
export class IntakeCaseTexts extends CaseTextOpener {}
