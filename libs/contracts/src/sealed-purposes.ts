/**
 * The purpose each case-key sealed text is sealed for (libs/sealing authenticates it: a text opens only
 * for the purpose it was sealed with). Every service that unseals a field of an intake event (or of
 * publisher's `NoticeTemplateApproved`) uses these.
 *
 * The report's items keep one purpose whichever event carries them: a description amended later by
 * `ReportAmended` is sealed for `IncidentReported.description` like the first one, so the current
 * version of an item opens the same way wherever it came from.
 */
export const SEALED_TEXT_PURPOSES = {
  report: {
    description: 'IncidentReported.description',
    place: {
      site: 'IncidentReported.place.site',
      system: 'IncidentReported.place.system',
      medium: 'IncidentReported.place.medium',
      route: 'IncidentReported.place.route',
    },
    circumstances: {
      whatHappened: 'IncidentReported.circumstances.whatHappened',
      howDiscovered: 'IncidentReported.circumstances.howDiscovered',
    },
    measuresTaken: 'IncidentReported.measuresTaken',
  },
  measureDescription: 'MeasureRecorded.description',
  instructionText: 'InstructionIssued.text',
  instructionProgressNote: 'InstructionProgressReported.note',
  instructionEvidenceNote: 'InstructionCompleted.evidenceNote',
  instructionReopenReason: 'InstructionReopened.reason',
  cause: 'CauseIdentified.cause',
  closeReason: 'CaseClosed.reason',
  /** publisher's approved notice template for affected persons (`NoticeTemplateApproved`, publisher's case key) */
  noticeTemplate: {
    subjectJa: 'NoticeTemplate.subjectJa',
    bodyJa: 'NoticeTemplate.bodyJa',
    subjectEn: 'NoticeTemplate.subjectEn',
    bodyEn: 'NoticeTemplate.bodyEn',
  },
} as const;
