import type { DataSource, EntityManager } from 'typeorm';

export const UPDATE_MODES = ['immediate', 'digest'] as const;
export type UpdateMode = (typeof UPDATE_MODES)[number];

/** How the correspondence of one contract runs (docs/client-notifier.md, "Per-contract settings"). */
export interface ContractSettings {
  /** minutes without an acknowledgement before the reminder */
  readonly ackWaitMinutes: number;
  /** minutes after the reminder before the escalation */
  readonly escalationIntervalMinutes: number;
  /** later updates: each at once, or collected into a digest */
  readonly updateMode: UpdateMode;
  /** the digest's period (used in digest mode) */
  readonly digestMinutes: number;
  /**
   * how many contacts (in priority order) get the first notice; the others are the next contacts an
   * escalation reaches. `null`: all of them get the first notice.
   */
  readonly firstNoticeContacts: number | null;
}

export interface StoredContractSettings extends ContractSettings {
  /** false: nobody changed them, these are the defaults */
  readonly customised: boolean;
  readonly updatedAt?: Date;
  readonly updatedBy?: string;
}

export const DEFAULT_SETTINGS: ContractSettings = {
  ackWaitMinutes: 30,
  escalationIntervalMinutes: 30,
  updateMode: 'immediate',
  digestMinutes: 60,
  firstNoticeContacts: null,
};

interface SettingsRow {
  ack_wait_minutes: number;
  escalation_interval_minutes: number;
  update_mode: UpdateMode;
  digest_minutes: number;
  first_notice_contacts: number | null;
  updated_at: Date;
  updated_by: string;
}

/** The per-contract settings in client-notifier's own table; a contract without a row has the defaults. */
export class ContractSettingsStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `"${schema}".contract_settings`;
  }

  async get(contractId: string, manager?: EntityManager): Promise<StoredContractSettings> {
    const rows: SettingsRow[] = await (manager ?? this.dataSource).query(
      `SELECT * FROM ${this.table} WHERE contract_id = $1`,
      [contractId],
    );
    const row = rows[0];
    if (!row) return { ...DEFAULT_SETTINGS, customised: false };
    return {
      ackWaitMinutes: row.ack_wait_minutes,
      escalationIntervalMinutes: row.escalation_interval_minutes,
      updateMode: row.update_mode,
      digestMinutes: row.digest_minutes,
      firstNoticeContacts: row.first_notice_contacts,
      customised: true,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  async put(contractId: string, settings: ContractSettings, by: string, now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (contract_id, ack_wait_minutes, escalation_interval_minutes, update_mode,
                                  digest_minutes, first_notice_contacts, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (contract_id) DO UPDATE SET
         ack_wait_minutes = EXCLUDED.ack_wait_minutes,
         escalation_interval_minutes = EXCLUDED.escalation_interval_minutes,
         update_mode = EXCLUDED.update_mode,
         digest_minutes = EXCLUDED.digest_minutes,
         first_notice_contacts = EXCLUDED.first_notice_contacts,
         updated_at = EXCLUDED.updated_at,
         updated_by = EXCLUDED.updated_by`,
      [
        contractId,
        settings.ackWaitMinutes,
        settings.escalationIntervalMinutes,
        settings.updateMode,
        settings.digestMinutes,
        settings.firstNoticeContacts,
        now,
        by,
      ],
    );
  }
}
