/**
 * A computed deadline: when a duty is due, the extra warning points the rule itself defines (lead-time
 * alerts come on top, from the alert configuration), and how it was computed, in words, for the
 * timeline, the case picture and the audit export.
 */
export interface Deadline {
  /** the last instant at which the duty is still met (inclusive) */
  dueAt: Date;
  /** warning points the rule defines (APPI 速報: day 3), ascending, each before `dueAt` */
  warnAt: Date[];
  /** how the deadline was computed, e.g. "確報: 30 days counted from 2026-12-02 (day 1) …" */
  basis: string;
}
