import pg from 'pg';
import { describeError, type MessagingLogger, silentLogger } from '../logger.js';

export interface PgNotificationListenerOptions {
  /** connection string or `pg` client config of a connection used only for LISTEN */
  connection: string | pg.ClientConfig;
  channel: string;
  /** called with the payload of every notification on the channel */
  onNotification: (payload: string) => void;
  /** called after every (re)connection: notifications sent while disconnected are lost, so catch up */
  onConnected?: () => void;
  logger?: MessagingLogger;
  /** first delay before reconnecting after a lost connection (default 250 ms, doubling up to 10 s) */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel and reconnects when it is lost.
 * Notifications are only a wake-up call: whoever uses this must also poll, since a notification sent
 * while the connection was down is gone for good.
 */
export class PgNotificationListener {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs: number;
  private stopped = true;
  private readonly logger: MessagingLogger;

  constructor(private readonly options: PgNotificationListenerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 250;
  }

  /** Connects and LISTENs. A failure is logged and retried in the background; it does not reject. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const base =
      typeof this.options.connection === 'string'
        ? { connectionString: this.options.connection }
        : this.options.connection;
    const client = new pg.Client({ ...base, keepAlive: true, application_name: 'outbox-relay-listener' });
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotification(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.reconnectDelayMs = this.options.reconnectDelayMs ?? 250;
    this.logger.debug({ channel: this.options.channel }, 'listening for notifications');
    this.options.onConnected?.();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    client.end().catch(() => {});
    const delayMs = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delayMs * 2, this.options.maxReconnectDelayMs ?? 10_000);
    this.logger.warn(
      { channel: this.options.channel, delayMs, error: describeError(error) },
      'notification connection lost; reconnecting',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) void this.connect();
    }, delayMs);
  }
}
