/**
 * The form's stylesheet and its one script, served from the service's own origin (the Content-Security-
 * Policy allows no inline style or script). Kept in a module so the build carries them into dist/.
 */

/** Plain, high-contrast, readable in print; the focus ring is always visible. */
export const FORM_CSS = `
body { font-family: system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; line-height: 1.6; margin: 0; color: #0b0c0c; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
.top { text-align: right; padding: 0.5rem 1rem; border-bottom: 1px solid #b1b4b6; }
h1 { font-size: 1.75rem; }
fieldset { border: 1px solid #b1b4b6; margin: 1rem 0; padding: 0.75rem; }
legend { font-weight: 700; }
label { display: block; font-weight: 600; margin-top: 0.5rem; }
.choice { display: inline-flex; align-items: center; gap: 0.25rem; margin-right: 1rem; }
.choice label { display: inline; font-weight: 400; margin: 0; }
input[type=text], select, textarea { font: inherit; width: 100%; box-sizing: border-box; padding: 0.4rem; border: 2px solid #0b0c0c; }
.hint { color: #505a5f; margin: 0.25rem 0; }
.tag { font-weight: 400; color: #505a5f; font-size: 0.9em; }
.group-error { border-left: 5px solid #d4351c; padding-left: 0.75rem; }
.error { color: #d4351c; font-weight: 700; margin: 0.25rem 0; }
.error-summary { border: 5px solid #d4351c; padding: 1rem; margin: 1rem 0; }
.error-summary a { color: #d4351c; font-weight: 700; }
.notice { border-left: 5px solid #1d70b8; padding: 0.5rem 1rem; background: #f3f2f1; }
button { font: inherit; font-weight: 700; background: #00703c; color: #fff; border: 0; padding: 0.6rem 1.2rem; margin-top: 1rem; cursor: pointer; }
:focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: 0 0 0 5px #0b0c0c; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media print { .top, button { display: none; } }
`;

/**
 * Progressive enhancement only: keeps a draft of the form in this browser's localStorage while it is being
 * typed (so a session that expires, a closed tab or a crash loses nothing), restores it into an empty form,
 * and forgets it once the report was received. Drafts older than a day are dropped. The CSRF token and the
 * submission id are never stored.
 */
export const DRAFT_JS = `(() => {
  'use strict';
  const KEY = 'lr-report-draft';
  const MAX_AGE_MS = 24 * 3600 * 1000;
  const SKIP = new Set(['_csrf', 'submissionId', 'lang']);
  let store;
  try { store = window.localStorage; } catch { return; }
  if (!store) return;
  if (document.querySelector('[data-report-received]')) { store.removeItem(KEY); return; }
  const form = document.getElementById('report-form');
  if (!form) return;
  const fields = () => Array.from(form.elements).filter((el) => el.name && !SKIP.has(el.name));
  const save = () => {
    const values = {};
    for (const el of fields()) {
      if (el.type === 'checkbox') { (values[el.name] ||= []); if (el.checked) values[el.name].push(el.value); }
      else if (el.type === 'radio') { if (el.checked) values[el.name] = el.value; }
      else values[el.name] = el.value;
    }
    store.setItem(KEY, JSON.stringify({ savedAt: Date.now(), values }));
  };
  const restore = () => {
    let draft;
    try { draft = JSON.parse(store.getItem(KEY) || 'null'); } catch { draft = null; }
    if (!draft || typeof draft.savedAt !== 'number' || Date.now() - draft.savedAt > MAX_AGE_MS) { store.removeItem(KEY); return; }
    const typed = fields().some((el) => (el.type === 'text' || el.tagName === 'TEXTAREA') && el.value.trim() !== '');
    if (typed) return;
    for (const el of fields()) {
      const value = draft.values[el.name];
      if (value === undefined) continue;
      if (el.type === 'checkbox') el.checked = Array.isArray(value) && value.includes(el.value);
      else if (el.type === 'radio') el.checked = el.value === value;
      else if (el.tagName !== 'SELECT' || Array.from(el.options).some((o) => o.value === value)) el.value = value;
    }
    const notice = document.getElementById('draft-restored');
    if (notice) notice.hidden = false;
  };
  restore();
  form.addEventListener('input', save);
  form.addEventListener('change', save);
})();
`;
