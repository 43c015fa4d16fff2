import type { CaughtMail } from "@tessera/contracts";
import type { CaughtMailRow } from "./mail-catcher-store.ts";

/** The catcher's HTML: every value from a mail goes through `escapeHtml`, no script anywhere. */

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px;color:#18181b}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 10px;border-bottom:1px solid #e4e4e7}
pre{white-space:pre-wrap;background:#f4f4f5;padding:12px}iframe{width:100%;height:480px;border:1px solid #e4e4e7}
.note{color:#71717a;font-size:13px}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export function renderMailList(mails: readonly CaughtMail[]): string {
  const rows = mails
    .map(
      (mail) =>
        `<tr><td>${escapeHtml(mail.receivedAt)}</td><td>${escapeHtml(mail.to ?? mail.envelopeTo.join(", "))}</td>` +
        `<td><a href="/mails/${escapeHtml(mail.id)}">${escapeHtml(mail.subject ?? "(no subject)")}</a></td>` +
        `<td>${escapeHtml(mail.from ?? "")}</td></tr>`,
    )
    .join("\n");
  const table =
    mails.length === 0
      ? "<p>No mail yet. Emails outbound sends while no OUTBOUND_SMTP_URL is set appear here.</p>"
      : `<table><thead><tr><th>Received</th><th>To</th><th>Subject</th><th>From</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  return layout(
    "Tessera mail catcher",
    `<h1>Mail catcher</h1><p class="note">Development only: every email outbound sent, newest first. Reload to see new ones.</p>${table}`,
  );
}

export function renderMailPage(mail: CaughtMailRow): string {
  const headers = mail.headers.map(([, line]) => escapeHtml(line)).join("\n");
  const html =
    mail.html_body === null
      ? ""
      : `<h2>HTML</h2><iframe sandbox title="HTML body" src="/mails/${escapeHtml(mail.id)}/html"></iframe>`;
  return layout(
    mail.subject ?? "(no subject)",
    `<p><a href="/">All mails</a></p><h1>${escapeHtml(mail.subject ?? "(no subject)")}</h1>
<table><tbody>
<tr><th>From</th><td>${escapeHtml(mail.from_header ?? "")}</td></tr>
<tr><th>To</th><td>${escapeHtml(mail.to_header ?? "")}</td></tr>
<tr><th>Envelope</th><td>${escapeHtml(mail.envelope_to.join(", "))}</td></tr>
<tr><th>Received</th><td>${escapeHtml(mail.received_at.toISOString())}</td></tr>
</tbody></table>
<h2>Text</h2><pre>${escapeHtml(mail.text_body ?? "")}</pre>${html}
<h2>Headers</h2><pre>${headers}</pre>`,
  );
}
