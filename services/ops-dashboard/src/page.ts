import {
  osloTime,
  RECIPIENT_KIND_LABEL,
  type ActiveAlert,
  type MessageQuery,
  type OperatorAction,
  type MessageView,
  type QueueOverview,
  type RecipientHealth,
} from '@ipbro/ops';

export interface PageData {
  now: Date;
  queues: QueueOverview[];
  states: Record<string, number>;
  recipients: RecipientHealth[];
  failingThreshold: number;
  alerts: ActiveAlert[];
  query: MessageQuery;
  messages: MessageView[];
  audit: OperatorAction[];
  who: string;
  nonce: string;
}

const esc = (v: string | number | null | undefined): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string
  );

function age(ms: number | undefined): string {
  if (ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}
const ago = (iso: string | undefined, now: Date) => (iso ? `${age(now.getTime() - Date.parse(iso))} ago` : 'never');

/** Koordinerende enhet, EHR or sender (an answer going back); `recipient` when the ledger does not say. */
const kindOf = (r: RecipientHealth): string => (r.kind ? RECIPIENT_KIND_LABEL[r.kind] : 'recipient');

const STATES = ['queued', 'delivered', 'acknowledged', 'rejected', 'retrying', 'unroutable', 'blocked', 'dead'];

const PAGE_STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}h1{margin:0 0 .3rem}h2{margin:1.6rem 0 .5rem;font-size:1.1rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}
.muted{color:#777;font-size:.9em}.ok{color:#1a7f37}.alerts{padding:0;list-style:none}.alert{background:#fde8e8;border-left:4px solid #c62828;padding:.4rem .6rem;margin:.3rem 0}
tr.failing{background:#fff3e0}tr.failing .failures{color:#c62828;font-weight:bold}.state-dead,.state-rejected{color:#c62828;font-weight:bold}.state-acknowledged,.state-blocked{color:#1a7f37}
form.search{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}form.search label{display:flex;flex-direction:column;font-size:.85em}#flash{padding:.4rem 0;font-weight:bold}
ul.states{display:flex;gap:1rem;list-style:none;padding:0}
`;

/** The action buttons: each posts to the API and reloads the page (a discard asks for its reason first). */
const PAGE_SCRIPT = `document.addEventListener('click', async (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const action = b.dataset.action;
  const key = b.dataset.key;
  let url, body = {};
  if (action === 'retry') url = '/ops/api/messages/' + encodeURIComponent(key) + '/retry';
  else if (action === 'redrive') { url = '/ops/api/unroutable/redrive'; body = { key }; }
  else if (action === 'redrive-all') url = '/ops/api/unroutable/redrive';
  else if (action === 'discard') {
    const reason = prompt('Why is this message discarded? (recorded with your name)');
    if (!reason) return;
    url = '/ops/api/messages/' + encodeURIComponent(key) + '/discard';
    body = { reason };
  } else return;
  b.disabled = true;
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const out = await res.json().catch(() => ({}));
  document.getElementById('flash').textContent = res.ok ? (out.message || 'done') : ('refused: ' + (out.issue && out.issue[0] && out.issue[0].diagnostics || res.status));
  if (res.ok) setTimeout(() => location.reload(), 300);
  else b.disabled = false;
});
`;

/**
 * The operator's page: server-rendered, metadata only. Actions are buttons whose small script posts
 * JSON to the API (the request carries the operator's bearer token, as every request to this
 * service does) and reloads the page.
 */
export function renderPage(d: PageData): string {
  const alerts = d.alerts.length
    ? `<ul class="alerts">${d.alerts.map((a) => `<li class="alert" data-rule="${esc(a.rule)}" data-id="${esc(a.id)}"><strong>${esc(a.rule)}</strong> ${esc(a.summary)} <span class="muted">since ${esc(osloTime(a.since))}</span></li>`).join('')}</ul>`
    : '<p class="ok" id="no-alerts">No alerts.</p>';
  const queues = d.queues
    .map(
      (q) =>
        `<tr data-queue="${esc(q.name)}"><td>${esc(q.name)}</td><td>${q.counts.waiting + q.counts.prioritized}</td><td>${q.counts.active}</td><td>${q.counts.delayed}</td><td>${q.counts.failed}</td><td class="blocked">${q.counts.blocked ?? 0}</td><td>${q.counts.completed}</td><td>${esc(age(q.oldestWaitingMs))}</td></tr>`
    )
    .join('');
  const states = STATES.map(
    (s) => `<li><a href="?state=${s}">${s}</a>: <span data-state-count="${s}">${d.states[s] ?? 0}</span></li>`
  ).join('');
  const recipients = d.recipients.length
    ? d.recipients
        .map(
          (r) =>
            `<tr data-recipient="${esc(r.id)}" class="${r.consecutiveFailures >= d.failingThreshold ? 'failing' : ''}"><td><a href="?recipient=${encodeURIComponent(r.id)}">${esc(r.name ?? r.id)}</a><br><span class="muted">${esc(r.id)}${r.kommunenummer ? ` · kommune ${esc(r.kommunenummer)}` : ''}</span></td><td class="kind">${esc(kindOf(r))}</td><td>${r.backlog}</td><td>${r.awaitingReceipt}</td><td>${r.dead}</td><td class="failures">${r.consecutiveFailures}</td><td>${esc(ago(r.lastSuccessAt, d.now))}</td><td>${esc(r.lastError ?? '')}${r.lastErrorAt ? ` <span class="muted">(${esc(ago(r.lastErrorAt, d.now))})</span>` : ''}</td></tr>`
        )
        .join('')
    : '<tr><td colspan="8" class="muted">No deliveries yet.</td></tr>';
  const actions = (m: MessageView) => {
    const out: string[] = [];
    if (m.state === 'dead' || m.state === 'rejected')
      out.push(`<button data-action="retry" data-key="${esc(m.key)}">Retry</button>`);
    if (m.state === 'unroutable') out.push(`<button data-action="redrive" data-key="${esc(m.key)}">Re-drive</button>`);
    // A consent's block is a correct outcome, final like an acknowledgement: nothing to discard.
    if (m.state !== 'acknowledged' && m.state !== 'blocked' && !m.discarded)
      out.push(`<button data-action="discard" data-key="${esc(m.key)}">Discard…</button>`);
    return out.join(' ');
  };
  const messages = d.messages.length
    ? d.messages
        .map(
          (m) =>
            `<tr data-message="${esc(m.id)}" data-state="${esc(m.state)}"><td><code>${esc(m.id)}</code></td><td>${esc(m.event)}</td><td>${esc(m.sender)}</td><td>${esc(m.recipient?.name ?? m.recipient?.id ?? '—')}</td><td class="state state-${esc(m.state)}">${esc(m.state)}${m.discarded ? ' (discarded)' : ''}</td><td>${m.attempts}</td><td>${esc(osloTime(m.receivedAt))}</td><td>${esc(ago(m.updatedAt, d.now))}</td><td>${esc(m.lastDetail ?? '')}</td><td>${actions(m)}</td></tr>`
        )
        .join('')
    : '<tr><td colspan="10" class="muted">No messages match.</td></tr>';
  const q = d.query;
  const option = (v: string, cur?: string) =>
    `<option value="${esc(v)}"${v === (cur ?? '') ? ' selected' : ''}>${esc(v || 'any')}</option>`;
  const audit = d.audit.length
    ? d.audit
        .map(
          (a) =>
            `<li>${esc(osloTime(a.at))} <strong>${esc(a.by)}</strong>${a.orgnr ? ` (${esc(a.orgnr)})` : ''} ${esc(a.action)} <code>${esc(a.messageId ?? '')}</code> → ${esc(a.result)}${a.reason ? `: ${esc(a.reason)}` : ''}</li>`
        )
        .join('')
    : '<li class="muted">No actions yet.</li>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IP-bro operations</title>
<style>
${PAGE_STYLE}</style></head><body>
<h1>IP-bro operations</h1>
<p class="muted">As ${esc(d.who)} · ${esc(osloTime(d.now))} (times in Europe/Oslo) · <a href="/queues/">queue dashboard (bull-board)</a> · <a href="/ops/api/overview">JSON</a></p>
<div id="flash" role="status"></div>
<h2>Alerts</h2>${alerts}
<h2>Queues</h2>
<table id="queues"><thead><tr><th>queue</th><th>waiting</th><th>active</th><th>delayed (retrying)</th><th>failed</th><th>blocked by consent (not a failure)</th><th>completed</th><th>oldest waiting</th></tr></thead><tbody>${queues}</tbody></table>
<ul class="states">${states}</ul>
<h2>Recipients</h2>
<table id="recipients"><thead><tr><th>recipient</th><th>kind</th><th>backlog</th><th>awaiting receipt</th><th>dead</th><th>failures in a row</th><th>last success</th><th>last error</th></tr></thead><tbody>${recipients}</tbody></table>
<h2>Messages</h2>
<form class="search" method="get" action="/ops">
<label>id<input name="id" value="${esc(q.id)}"></label>
<label>state<select name="state">${['', ...STATES].map((s) => option(s, q.state)).join('')}</select></label>
<label>event<select name="event">${['', 'meldeplikt', 'meldeplikt-svar', 'ip-plan-copy', 'koordinator-handover', 'epikrise'].map((s) => option(s, q.event)).join('')}</select></label>
<label>sender<input name="sender" value="${esc(q.sender)}" size="10"></label>
<label>recipient<input name="recipient" value="${esc(q.recipient)}"></label>
<label>from<input name="from" value="${esc(q.from)}" placeholder="2026-11-30T00:00Z"></label>
<label>to<input name="to" value="${esc(q.to)}"></label>
<button type="submit">Search</button> <a href="/ops">clear</a>
<button type="button" data-action="redrive-all">Re-drive all unroutable (${d.states.unroutable ?? 0})</button>
</form>
<table id="messages"><thead><tr><th>id</th><th>event</th><th>sender</th><th>recipient</th><th>state</th><th>attempts</th><th>received</th><th>changed</th><th>last detail</th><th></th></tr></thead><tbody>${messages}</tbody></table>
<h2>Actions taken</h2><ul id="audit">${audit}</ul>
<script nonce="${esc(d.nonce)}">
${PAGE_SCRIPT}</script>
</body></html>`;
}
