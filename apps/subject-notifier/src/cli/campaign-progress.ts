/**
 * `node dist/apps/subject-notifier/src/cli/campaign-progress.js --case <id> --campaign <id>`: follows a notice
 * campaign's progress as a bar in the terminal until it completes or is cancelled (`--once` prints one line).
 * Reads `GET /cases/:caseId/campaigns/:campaignId` with the access token in LR_ACCESS_TOKEN (an API token
 * exchanged at identity's `POST /auth/token`); `--url` is the service (default http://127.0.0.1:3003).
 */
import { parseArgs } from 'node:util';
import type { CampaignProgress } from '../campaigns/campaigns.js';
import { isSettled, progressLine } from '../campaigns/progress-view.js';

const USAGE =
  'usage: campaign-progress --case <caseId> --campaign <campaignId> [--url http://127.0.0.1:3003] [--interval 2] [--once]\n' +
  '       with the access token in LR_ACCESS_TOKEN';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      case: { type: 'string' },
      campaign: { type: 'string' },
      url: { type: 'string', default: 'http://127.0.0.1:3003' },
      interval: { type: 'string', default: '2' },
      once: { type: 'boolean', default: false },
    },
  });
  const token = process.env.LR_ACCESS_TOKEN;
  const intervalMs = Number(values.interval) * 1000;
  if (!values.case || !values.campaign || !token || !(intervalMs >= 200)) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const url = new URL(`/cases/${values.case}/campaigns/${values.campaign}`, values.url);
  const tty = process.stdout.isTTY;
  for (;;) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) {
      process.stderr.write(`\n${res.status} ${await res.text()}\n`);
      return 1;
    }
    const progress = (await res.json()) as CampaignProgress;
    const line = progressLine(
      progress,
      tty ? Math.max(10, Math.min(40, (process.stdout.columns ?? 80) - 90)) : 30,
    );
    process.stdout.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    if (values.once || isSettled(progress)) {
      if (tty) process.stdout.write('\n');
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

process.exitCode = await main();
