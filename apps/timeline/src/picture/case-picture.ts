import { createHash } from 'node:crypto';
import { type CaseView, expectedNext, readClock } from '../projection/case-view.js';

/** The page's only style sheet; the page's Content-Security-Policy admits exactly it (by hash). */
export const PAGE_STYLE = `  @page { size: A4 landscape; margin: 10mm; }
  body { font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif; color: #000; background: #fff; margin: 16px; }
  figure { margin: 0; }
  svg { width: 100%; height: auto; max-width: 1200px; }
  table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
  th, td { border: 1px solid #888; padding: 3px 6px; text-align: left; vertical-align: top; }
  h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 18px; }
  @media print { h2 { break-after: avoid; } table, figure { break-inside: avoid; } }
`;

/** CSP of the picture page: no scripts, nothing loaded, the one inline style sheet by its hash. */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/**
 * The case picture: the stages and the clocks of one case on a time axis, as a self-contained SVG
 * (no scripts, no external fonts or images), readable on screen and in black-and-white print: states
 * are told apart by shape, outline and hatching, not by colour alone, and every instant is also written
 * out in words (Asia/Tokyo time).
 */

const WIDTH = 1200;
const LABEL_X = 16;
const PLOT_LEFT = 360;
const PLOT_RIGHT = WIDTH - 30;
const STAGE_ROW = 26;
const CLOCK_ROW = 40;
const FONT = 'font-family="\'DejaVu Sans\', Arial, Helvetica, sans-serif"';
const JST_MS = 9 * 3_600_000;

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** `2026-11-25 19:05` in Tokyo time. */
export function jst(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  return new Date(date.getTime() + JST_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** `3 d 4 h`, `2 h 5 min`, `40 min`. */
export function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days} d${hours ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${hours} h${mins ? ` ${mins} min` : ''}`;
  return `${mins} min`;
}

const TICK_STEPS = [
  15 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  2 * 86_400_000,
  7 * 86_400_000,
  14 * 86_400_000,
  30 * 86_400_000,
];

const STATUS_TEXT: Record<string, string> = {
  running: 'running',
  stopped_in_time: 'met in time',
  stopped_late: 'met LATE',
  missed: 'MISSED',
};

export function renderCasePicture(view: CaseView, now: Date): string {
  const clocks = view.clocks.map((clock) => readClock(clock, now));
  const instants = [
    now.getTime(),
    ...(view.discoveredAt ? [Date.parse(view.discoveredAt)] : []),
    ...view.stages.filter((s) => s.at).map((s) => Date.parse(s.at as string)),
    ...clocks.flatMap((c) => [
      Date.parse(c.startedAt),
      Date.parse(c.dueAt),
      ...(c.stoppedAt ? [Date.parse(c.stoppedAt)] : []),
    ]),
  ];
  const rawStart = Math.min(...instants);
  const rawEnd = Math.max(...instants);
  const pad = Math.max((rawEnd - rawStart) * 0.03, 30 * 60_000);
  const start = rawStart - pad;
  const end = rawEnd + pad;
  const x = (instant: number) => PLOT_LEFT + ((instant - start) / (end - start)) * (PLOT_RIGHT - PLOT_LEFT);
  const out: string[] = [];
  const axisY = 92;
  const stagesTop = axisY + 40;
  const clocksTop = stagesTop + 24 + view.stages.length * STAGE_ROW + 16;
  const legendTop = clocksTop + 24 + Math.max(clocks.length, 1) * CLOCK_ROW + 16;
  const height = legendTop + 60;

  const title = `Case ${view.caseNumber ?? view.caseId}`;
  const stageLabel = view.stages.find((s) => s.id === view.stage)?.label.en ?? 'not yet reported';
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="picture-title picture-desc" ${FONT} font-size="13">`,
    `<title id="picture-title">${escapeXml(`${title}: stages and clocks`)}</title>`,
    `<desc id="picture-desc">${escapeXml(`Current stage ${stageLabel}; ${clocks.filter((c) => c.status === 'missed').length} deadline(s) missed; as of ${jst(now)} JST`)}</desc>`,
    '<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fde2e2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b00020" stroke-width="2.5"/></pattern></defs>',
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LABEL_X}" y="30" font-size="20" font-weight="bold">${escapeXml(`${title} — current stage: ${stageLabel}`)}</text>`,
    `<text x="${LABEL_X}" y="52" fill="#333">${escapeXml(
      `as of ${jst(now)} JST${view.discoveredAt ? ` · discovered ${jst(view.discoveredAt)} JST` : ''}${view.assessment?.summaryEn ? ` · ${view.assessment.summaryEn}` : ''}`,
    )}</text>`,
  );

  // time axis with ticks and grid lines
  const step =
    TICK_STEPS.find((candidate) => (end - start) / candidate <= 9) ?? TICK_STEPS[TICK_STEPS.length - 1];
  const firstTick = Math.ceil((start + JST_MS) / step) * step - JST_MS;
  out.push(
    `<line x1="${PLOT_LEFT}" y1="${axisY}" x2="${PLOT_RIGHT}" y2="${axisY}" stroke="#000" stroke-width="1.5"/>`,
  );
  for (let tick = firstTick; tick <= end; tick += step) {
    const tx = x(tick).toFixed(1);
    const label = step >= 86_400_000 ? jst(new Date(tick)).slice(5, 10) : jst(new Date(tick)).slice(5, 16);
    out.push(
      `<line x1="${tx}" y1="${axisY - 5}" x2="${tx}" y2="${legendTop - 10}" stroke="#d0d0d0" stroke-width="1"/>`,
      `<text x="${tx}" y="${axisY - 10}" text-anchor="middle" font-size="12">${escapeXml(label)}</text>`,
    );
  }
  out.push(`<text x="${LABEL_X}" y="${axisY + 4}" font-size="12" fill="#333">time (Asia/Tokyo)</text>`);

  // stages
  out.push(`<text x="${LABEL_X}" y="${stagesTop}" font-size="15" font-weight="bold">Stages</text>`);
  view.stages.forEach((stage, index) => {
    const y = stagesTop + 24 + index * STAGE_ROW;
    out.push(
      `<text x="${LABEL_X}" y="${y + 4}" ${stage.reached ? 'font-weight="bold"' : 'fill="#555"'}>${escapeXml(stage.label.en)}</text>`,
    );
    if (stage.reached && stage.at) {
      const sx = x(Date.parse(stage.at));
      out.push(
        `<text x="${PLOT_LEFT - 12}" y="${y + 4}" text-anchor="end" font-size="12">${escapeXml(jst(stage.at))}</text>`,
        `<path d="M ${sx.toFixed(1)} ${y - 7} l 7 7 l -7 7 l -7 -7 z" fill="#000"><title>${escapeXml(`${stage.label.en} at ${jst(stage.at)} JST (event ${stage.eventId ?? ''})`)}</title></path>`,
      );
    } else {
      out.push(
        `<text x="${PLOT_LEFT - 12}" y="${y + 4}" text-anchor="end" font-size="12" fill="#555">not yet</text>`,
      );
    }
  });

  // clocks
  out.push(`<text x="${LABEL_X}" y="${clocksTop}" font-size="15" font-weight="bold">Clocks</text>`);
  if (clocks.length === 0) {
    out.push(
      `<text x="${LABEL_X}" y="${clocksTop + 26}" fill="#555">no clocks yet (the report has not arrived)</text>`,
    );
  }
  clocks.forEach((clock, index) => {
    const y = clocksTop + 24 + index * CLOCK_ROW;
    const startX = x(Date.parse(clock.startedAt));
    const dueX = x(Date.parse(clock.dueAt));
    const stopAt = clock.stoppedAt ? Date.parse(clock.stoppedAt) : undefined;
    const label = `${clock.label.en}${clock.instructionId ? ` (${clock.instructionId.slice(0, 8)})` : ''}`;
    const late = clock.latenessMs > 0 ? ` by ${describeSpan(clock.latenessMs)}` : '';
    const state = `${STATUS_TEXT[clock.status] ?? clock.status}${late} · due ${jst(clock.dueAt)}${clock.applies === 'possibly' ? ' · possibly' : ''}`;
    out.push(
      `<text x="${LABEL_X}" y="${y}" ${clock.status === 'missed' ? 'font-weight="bold"' : ''}>${escapeXml(label)}</text>`,
      `<text x="${LABEL_X}" y="${y + 16}" font-size="12" ${clock.status === 'missed' || clock.status === 'stopped_late' ? 'fill="#b00020" font-weight="bold"' : 'fill="#333"'}>${escapeXml(state)}</text>`,
      `<rect x="${startX.toFixed(1)}" y="${y - 4}" width="${Math.max(dueX - startX, 2).toFixed(1)}" height="14" fill="${clock.status === 'stopped_in_time' ? '#dcefdc' : '#ffffff'}" stroke="#000" stroke-width="1.2" ${clock.applies === 'possibly' ? 'stroke-dasharray="5 3"' : ''}><title>${escapeXml(clock.basis)}</title></rect>`,
    );
    const overrunEnd =
      clock.status === 'missed' ? now.getTime() : clock.status === 'stopped_late' ? stopAt : undefined;
    if (overrunEnd !== undefined) {
      const ox = x(overrunEnd);
      out.push(
        `<rect x="${dueX.toFixed(1)}" y="${y - 4}" width="${Math.max(ox - dueX, 2).toFixed(1)}" height="14" fill="url(#hatch)" stroke="#b00020" stroke-width="1.2"/>`,
      );
    }
    out.push(
      `<line x1="${dueX.toFixed(1)}" y1="${y - 9}" x2="${dueX.toFixed(1)}" y2="${y + 15}" stroke="#000" stroke-width="2.5"/>`,
    );
    if (stopAt !== undefined) {
      out.push(
        `<circle cx="${x(stopAt).toFixed(1)}" cy="${y + 3}" r="5.5" fill="#000"><title>${escapeXml(`stopped ${jst(new Date(stopAt))} JST by event ${clock.stoppedBy ?? ''}`)}</title></circle>`,
      );
    }
  });

  // now line and legend
  const nowX = x(now.getTime()).toFixed(1);
  out.push(
    `<line x1="${nowX}" y1="${axisY}" x2="${nowX}" y2="${legendTop - 10}" stroke="#1a4fb5" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<text x="${nowX}" y="${axisY + 16}" text-anchor="middle" font-size="12" font-weight="bold" fill="#1a4fb5">now</text>`,
  );
  const ly = legendTop + 14;
  out.push(
    `<text x="${LABEL_X}" y="${ly + 4}" font-weight="bold">Legend</text>`,
    `<path d="M 100 ${ly - 3} l 7 7 l -7 7 l -7 -7 z" fill="#000"/><text x="114" y="${ly + 8}">stage reached</text>`,
    `<rect x="230" y="${ly - 2}" width="40" height="14" fill="#fff" stroke="#000"/><text x="276" y="${ly + 9}">clock running</text>`,
    `<line x1="390" y1="${ly - 6}" x2="390" y2="${ly + 16}" stroke="#000" stroke-width="2.5"/><text x="398" y="${ly + 9}">due</text>`,
    `<circle cx="450" cy="${ly + 5}" r="5.5" fill="#000"/><text x="462" y="${ly + 9}">stopped (duty done)</text>`,
    `<rect x="610" y="${ly - 2}" width="40" height="14" fill="url(#hatch)" stroke="#b00020"/><text x="656" y="${ly + 9}">overdue / late</text>`,
    `<rect x="770" y="${ly - 2}" width="40" height="14" fill="#fff" stroke="#000" stroke-dasharray="5 3"/><text x="816" y="${ly + 9}">possibly applies</text>`,
    `<line x1="950" y1="${ly - 6}" x2="950" y2="${ly + 16}" stroke="#1a4fb5" stroke-width="2" stroke-dasharray="6 4"/><text x="958" y="${ly + 9}">now</text>`,
    `<text x="${LABEL_X}" y="${ly + 34}" font-size="11" fill="#333">${escapeXml(`${view.eventCount} events · APPI and GDPR clocks stop when the submission of the report is recorded; until then they run, then show as missed.`)}</text>`,
    '</svg>',
  );
  return out.join('\n');
}

/** A printable HTML page around the picture, with the stages, the clocks' bases and what comes next. */
export function renderPicturePage(view: CaseView, now: Date): string {
  const clocks = view.clocks.map((clock) => readClock(clock, now));
  const rows = (cells: string[][]) =>
    cells.map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`).join('\n');
  const title = `Case ${view.caseNumber ?? view.caseId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(title)} — case picture</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<figure>
${renderCasePicture(view, now)}
<figcaption>Stages and clocks as of ${escapeXml(jst(now))} JST.</figcaption>
</figure>
<h2>Expected next</h2>
<table><tr><th>what</th><th>by</th><th>due (JST)</th><th>overdue</th></tr>
${rows(expectedNext(view, now).map((step) => [step.what, step.by, step.dueAt ? jst(step.dueAt) : '—', step.overdue ? 'yes' : 'no']))}
</table>
<h2>Clocks</h2>
<table><tr><th>clock</th><th>status</th><th>due (JST)</th><th>how the due date was computed</th></tr>
${rows(clocks.map((clock) => [clock.label.en, `${STATUS_TEXT[clock.status]}${clock.latenessMs > 0 ? ` by ${describeSpan(clock.latenessMs)}` : ''}`, jst(clock.dueAt), clock.basis]))}
</table>
<h2>Stages</h2>
<table><tr><th>stage</th><th>since (JST)</th><th>event</th></tr>
${rows(view.stages.map((stage) => [stage.label.en, stage.at ? jst(stage.at) : 'not yet', stage.eventId ?? '']))}
</table>
</body>
</html>
`;
}
