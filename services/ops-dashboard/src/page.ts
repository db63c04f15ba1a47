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

// Kept as one rule group per line, as served; split only so the source stays readable.
const PAGE_STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}h1{margin:0 0 .3rem}' +
  'h2{margin:1.6rem 0 .5rem;font-size:1.1rem}\n' +
  'table{border-collapse:collapse;width:100%}' +
  'th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}\n' +
  '.muted{color:#777;font-size:.9em}.ok{color:#1a7f37}.alerts{padding:0;list-style:none}' +
  '.alert{background:#fde8e8;border-left:4px solid #c62828;padding:.4rem .6rem;margin:.3rem 0}\n' +
  'tr.failing{background:#fff3e0}tr.failing .failures{color:#c62828;font-weight:bold}' +
  '.state-dead,.state-rejected{color:#c62828;font-weight:bold}.state-acknowledged,.state-blocked{color:#1a7f37}\n' +
  'form.search{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}' +
  'form.search label{display:flex;flex-direction:column;font-size:.85em}#flash{padding:.4rem 0;font-weight:bold}\n' +
  'ul.states{display:flex;gap:1rem;list-style:none;padding:0}\n';

/** The action buttons: each posts to the API and reloads the page (a discard asks for its reason first). */
const PAGE_SCRIPT =
  `document.addEventListener('click', async (e) => {
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
  document.getElementById('flash').textContent = res.ok ? (out.message || 'done') : ` +
  `('refused: ' + (out.issue && out.issue[0] && out.issue[0].diagnostics || res.status));
  if (res.ok) setTimeout(() => location.reload(), 300);
  else b.disabled = false;
});
`;

const EVENTS = ['meldeplikt', 'meldeplikt-svar', 'ip-plan-copy', 'koordinator-handover', 'epikrise'];

/** The active alerts, or a plain "No alerts." the browser test looks for. */
function alertsSection(d: PageData): string {
  if (!d.alerts.length) return '<p class="ok" id="no-alerts">No alerts.</p>';
  const item = (a: ActiveAlert) =>
    `<li class="alert" data-rule="${esc(a.rule)}" data-id="${esc(a.id)}"><strong>${esc(a.rule)}</strong> ` +
    `${esc(a.summary)} <span class="muted">since ${esc(osloTime(a.since))}</span></li>`;
  return `<ul class="alerts">${d.alerts.map(item).join('')}</ul>`;
}

/** One row per queue; waiting counts prioritized jobs too, since both wait for a worker. */
function queueRow(q: QueueOverview): string {
  const c = q.counts;
  return (
    `<tr data-queue="${esc(q.name)}"><td>${esc(q.name)}</td><td>${c.waiting + c.prioritized}</td>` +
    `<td>${c.active}</td><td>${c.delayed}</td><td>${c.failed}</td>` +
    `<td>${c.completed}</td><td>${esc(age(q.oldestWaitingMs))}</td></tr>`
  );
}

/** A receipt row (receipts to a sender) finds the messages that sender sent; the others, the messages to the recipient. */
const searchOf = (r: RecipientHealth): string =>
  r.id.startsWith('receipts:') && r.orgnr
    ? `?sender=${encodeURIComponent(r.orgnr)}`
    : `?recipient=${encodeURIComponent(r.id)}`;

/** One row per recipient, marked `failing` once its failures in a row reach the threshold. */
function recipientRow(r: RecipientHealth, d: PageData): string {
  const kommune = r.kommunenummer ? ` · kommune ${esc(r.kommunenummer)}` : '';
  const errorAt = r.lastErrorAt ? ` <span class="muted">(${esc(ago(r.lastErrorAt, d.now))})</span>` : '';
  return (
    `<tr data-recipient="${esc(r.id)}" class="${r.consecutiveFailures >= d.failingThreshold ? 'failing' : ''}">` +
    `<td><a href="${esc(searchOf(r))}">${esc(r.name ?? r.id)}</a><br>` +
    `<span class="muted">${esc(r.id)}${kommune}</span></td><td class="kind">${esc(kindOf(r))}</td>` +
    `<td>${r.backlog}</td><td>${r.awaitingReceipt}</td><td>${r.dead}</td>` +
    `<td class="failures">${r.consecutiveFailures}</td><td>${esc(ago(r.lastSuccessAt, d.now))}</td>` +
    `<td>${esc(r.lastError ?? '')}${errorAt}</td></tr>`
  );
}

/** The buttons a message's state allows. */
function messageActions(m: MessageView): string {
  const out: string[] = [];
  if (m.state === 'dead' || m.state === 'rejected')
    out.push(`<button data-action="retry" data-key="${esc(m.key)}">Retry</button>`);
  if (m.state === 'unroutable') out.push(`<button data-action="redrive" data-key="${esc(m.key)}">Re-drive</button>`);
  // A consent's block is a correct outcome, final like an acknowledgement: nothing to discard.
  if (m.state !== 'acknowledged' && m.state !== 'blocked' && !m.discarded)
    out.push(`<button data-action="discard" data-key="${esc(m.key)}">Discard…</button>`);
  return out.join(' ');
}

/** One row per message found: metadata only, never the payload. */
function messageRow(m: MessageView, now: Date): string {
  return (
    `<tr data-message="${esc(m.id)}" data-state="${esc(m.state)}"><td><code>${esc(m.id)}</code></td>` +
    `<td>${esc(m.event)}</td><td>${esc(m.sender)}</td><td>${esc(m.recipient?.name ?? m.recipient?.id ?? '—')}</td>` +
    `<td class="state state-${esc(m.state)}">${esc(m.state)}${m.discarded ? ' (discarded)' : ''}</td>` +
    `<td>${m.attempts}</td><td>${esc(osloTime(m.receivedAt))}</td><td>${esc(ago(m.updatedAt, now))}</td>` +
    `<td>${esc(m.lastDetail ?? '')}</td><td>${messageActions(m)}</td></tr>`
  );
}

/** One line per operator action, with who did it and why. */
function auditItem(a: OperatorAction): string {
  return (
    `<li>${esc(osloTime(a.at))} <strong>${esc(a.by)}</strong>${a.orgnr ? ` (${esc(a.orgnr)})` : ''} ` +
    `${esc(a.action)} <code>${esc(a.messageId ?? '')}</code> → ${esc(a.result)}${a.reason ? `: ${esc(a.reason)}` : ''}</li>`
  );
}

/** The search form, filled in with the current query so a search can be refined. */
function searchForm(d: PageData): string {
  const q = d.query;
  const option = (v: string, cur?: string) =>
    `<option value="${esc(v)}"${v === (cur ?? '') ? ' selected' : ''}>${esc(v || 'any')}</option>`;
  const options = (values: string[], cur?: string) => ['', ...values].map((s) => option(s, cur)).join('');
  return `<form class="search" method="get" action="/ops">
<label>id<input name="id" value="${esc(q.id)}"></label>
<label>state<select name="state">${options(STATES, q.state)}</select></label>
<label>event<select name="event">${options(EVENTS, q.event)}</select></label>
<label>sender<input name="sender" value="${esc(q.sender)}" size="10"></label>
<label>recipient<input name="recipient" value="${esc(q.recipient)}"></label>
<label>from<input name="from" value="${esc(q.from)}" placeholder="2026-11-30T00:00Z"></label>
<label>to<input name="to" value="${esc(q.to)}"></label>
<button type="submit">Search</button> <a href="/ops">clear</a>
<button type="button" data-action="redrive-all">Re-drive all unroutable (${d.states.unroutable ?? 0})</button>
</form>`;
}

const QUEUE_HEAD =
  '<tr><th>queue</th><th>waiting</th><th>active</th><th>delayed (retrying)</th><th>failed</th>' +
  '<th>completed</th><th>oldest waiting</th></tr>';
const RECIPIENT_HEAD =
  '<tr><th>recipient</th><th>kind</th><th>backlog</th><th>awaiting receipt</th><th>dead</th>' +
  '<th>failures in a row</th><th>last success</th><th>last error</th></tr>';
const MESSAGE_HEAD =
  '<tr><th>id</th><th>event</th><th>sender</th><th>recipient</th><th>state</th><th>attempts</th>' +
  '<th>received</th><th>changed</th><th>last detail</th><th></th></tr>';

/** The line under the title: who is looking, when, and links to the other views. */
function headerLine(d: PageData): string {
  return (
    `<p class="muted">As ${esc(d.who)} · ${esc(osloTime(d.now))} (times in Europe/Oslo) · ` +
    '<a href="/queues/">queue dashboard (bull-board)</a> · <a href="/ops/api/overview">JSON</a></p>'
  );
}

/**
 * The operator's page: server-rendered, metadata only. Actions are buttons whose small script posts
 * JSON to the API (the request carries the operator's bearer token, as every request to this
 * service does) and reloads the page.
 */
export function renderPage(d: PageData): string {
  const queues = d.queues.map(queueRow).join('');
  const states = STATES.map(
    (s) => `<li><a href="?state=${s}">${s}</a>: <span data-state-count="${s}">${d.states[s] ?? 0}</span></li>`
  ).join('');
  const recipients = d.recipients.length
    ? d.recipients.map((r) => recipientRow(r, d)).join('')
    : '<tr><td colspan="8" class="muted">No deliveries yet.</td></tr>';
  const messages = d.messages.length
    ? d.messages.map((m) => messageRow(m, d.now)).join('')
    : '<tr><td colspan="10" class="muted">No messages match.</td></tr>';
  const audit = d.audit.length ? d.audit.map(auditItem).join('') : '<li class="muted">No actions yet.</li>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IP-bro operations</title>
<style>
${PAGE_STYLE}</style></head><body>
<h1>IP-bro operations</h1>
${headerLine(d)}
<div id="flash" role="status"></div>
<h2>Alerts</h2>${alertsSection(d)}
<h2>Queues</h2>
<table id="queues"><thead>${QUEUE_HEAD}</thead><tbody>${queues}</tbody></table>
<ul class="states">${states}</ul>
<h2>Recipients</h2>
<table id="recipients"><thead>${RECIPIENT_HEAD}</thead><tbody>${recipients}</tbody></table>
<h2>Messages</h2>
${searchForm(d)}
<table id="messages"><thead>${MESSAGE_HEAD}</thead><tbody>${messages}</tbody></table>
<h2>Actions taken</h2><ul id="audit">${audit}</ul>
<script nonce="${esc(d.nonce)}">
${PAGE_SCRIPT}</script>
</body></html>`;
}
