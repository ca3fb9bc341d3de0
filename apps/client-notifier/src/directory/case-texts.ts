import { CaseTextOpener } from '#libs/sealing';

export type { OpenedText } from '#libs/sealing';

/**
 * Opens the free text of intake's events with the case keys in intake's schema (`INTAKE_SCHEMA`): the
 * second deliberate read outside the service's schema (SELECT on `case_keys`, docs/client-notifier.md).
 * An erased case's texts open as "erased", and the message says so.
 */
export class CaseTexts extends CaseTextOpener {}
