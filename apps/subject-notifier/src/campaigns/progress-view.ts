import { escapeHtml as e } from '#libs/mail';
import type { CampaignProgress } from './campaigns.js';

/**
 * How far a campaign is, for people: the share of its e-mails settled (sent, failed or bounced), drawn as a
 * text bar for the command-line tool and as an HTML `<progress>` for the case page. Both read the same
 * progress the API answers.
 */

export interface ProgressFigures {
  readonly settled: number;
  readonly total: number;
  /** 0–100, whole */
  readonly percent: number;
}

export function figuresOf(progress: CampaignProgress): ProgressFigures {
  const { sent, failed, bounced } = progress.tally;
  const settled = sent + failed + bounced;
  const total = progress.emailTotal;
  const percent = total === 0 ? 100 : Math.min(100, Math.floor((settled / total) * 100));
  return { settled, total, percent };
}

const time = (iso: string | null) => (iso ? new Date(iso).toISOString().slice(11, 16) : '—');

/** One line: `[██████░░░░]  62%  1,240/2,000 e-mails · 12.3/s · done ≈ 09:41 UTC · failed 3 · bounced 1 · running` */
export function progressLine(progress: CampaignProgress, width = 30): string {
  const { settled, total, percent } = figuresOf(progress);
  const filled = Math.round((percent / 100) * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    `${bar} ${String(percent).padStart(3)}%  ${n(settled)}/${n(total)} e-mails`,
    `${progress.ratePerSecond.toFixed(1)}/s`,
    `done ≈ ${time(progress.estimatedFinishAt)} UTC`,
    `failed ${n(progress.tally.failed)}`,
    `bounced ${n(progress.tally.bounced)}`,
    progress.status,
  ].join(' · ');
}

/** Whether the campaign will not move any more (nothing to wait for). */
export const isSettled = (progress: CampaignProgress) =>
  progress.status !== 'running' && progress.status !== 'paused';

/** The campaign's progress on the case page: a `<progress>` bar with its figures; reloads itself while running. */
export function progressPage(progress: CampaignProgress): string {
  const { settled, total, percent } = figuresOf(progress);
  const t = progress.tally;
  const refresh = isSettled(progress) ? '' : '<meta http-equiv="refresh" content="5">';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8">${refresh}<title>Notice campaign ${e(progress.campaignId)}</title></head>
<body>
<main>
<h1>Notice campaign</h1>
<p>Case <code>${e(progress.caseId)}</code>, campaign <code>${e(progress.campaignId)}</code>: <strong>${e(progress.status)}</strong></p>
<label for="campaign-progress">E-mails settled: ${settled.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (${percent} %)</label>
<progress id="campaign-progress" max="${total}" value="${settled}">${percent} %</progress>
<table>
<caption>Per status</caption>
<tbody>
<tr><th scope="row">sent</th><td>${t.sent}</td></tr>
<tr><th scope="row">waiting (queued, sending, deferred)</th><td>${t.queued + t.sending + t.deferred}</td></tr>
<tr><th scope="row">failed</th><td>${t.failed}</td></tr>
<tr><th scope="row">bounced</th><td>${t.bounced}</td></tr>
<tr><th scope="row">by letter / by phone / by public notice</th><td>${t.byLetter} / ${t.byPhone} / ${t.byPublicNotice}</td></tr>
<tr><th scope="row">persons reached</th><td>${t.personsReached} of ${progress.personsTotal}</td></tr>
</tbody>
</table>
<p>Rate: ${progress.ratePerSecond.toFixed(1)} e-mails/s over the last minute; estimated finish: ${e(progress.estimatedFinishAt ?? '—')}.</p>
</main>
</body>
</html>`;
}
