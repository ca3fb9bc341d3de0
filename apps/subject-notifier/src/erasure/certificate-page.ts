import { escapeHtml } from '#libs/mail';
import type { ErasureCertificate } from './erasure.js';

/** The printable erasure certificate (データ消去証明書), Japanese and English. */
export function renderCertificate(certificate: ErasureCertificate): string {
  const rows: Array<[string, string]> = [
    ['案件 / Case', certificate.caseId],
    ['契約 / Contract', certificate.contractId],
    ['消去した項目 / Items erased', certificate.items.join(', ')],
    ['媒体 / Media', certificate.media.join('; ')],
    ['件数 / Quantity', `${certificate.persons} 名 / persons`],
    ['方法 / Method', certificate.method],
    ['鍵ID / Key id', certificate.keyId ?? '—'],
    ['責任者 / Responsible', certificate.responsible],
    ['理由 / Reason', certificate.reason],
    ['消去日時 / Erased at', certificate.erasedAt],
  ];
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>データ消去証明書 / Erasure certificate</title>
<style>body{font-family:sans-serif;max-width:50rem;margin:2rem auto}th{text-align:left;padding-right:1rem;vertical-align:top}
@media print{body{margin:0}}</style></head>
<body><h1>データ消去証明書 / Erasure certificate</h1>
<table>${rows.map(([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
<p>暗号鍵の破棄により、上記媒体上の当該データは復号不能となりました。
The case's data key was destroyed: the data above can no longer be decrypted on these media.</p>
</body></html>`;
}
