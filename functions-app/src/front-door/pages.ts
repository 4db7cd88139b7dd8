/** The front door's HTML: the consent page and error pages. Everything shown is escaped. */

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Headers for every page: not cached, not framed (clickjacking on the consent button), no referrer. */
export const pageHeaders: Readonly<Record<string, string>> = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
};

export interface ConsentView {
    readonly clientName: string;
    readonly clientId: string;
    readonly redirectUri: string;
    readonly resourceName: string;
    readonly scope: string;
    readonly transaction: string;
    readonly csrf: string;
}

export function consentPage(view: ConsentView): string {
    const redirect = new URL(view.redirectUri);
    const clientHost = /^https?:\/\//.test(view.clientId) ? new URL(view.clientId).host : undefined;
    const localOnly = ["127.0.0.1", "[::1]", "localhost"].includes(redirect.hostname);
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Allow ${escapeHtml(view.clientName)}?</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Allow <span id="client-name">${escapeHtml(view.clientName)}</span> to use ${escapeHtml(view.resourceName)}?</h1>
<p>Client id: <code id="client-id">${escapeHtml(view.clientId)}</code>${clientHost ? ` (published by <strong>${escapeHtml(clientHost)}</strong>)` : " (registered dynamically: its name is self-declared)"}</p>
<p>After you sign in, your access is sent to <strong id="redirect-host">${escapeHtml(redirect.host)}</strong>:
<code id="redirect-uri">${escapeHtml(view.redirectUri)}</code></p>
${localOnly ? "<p><strong>This address is on your own computer.</strong> Approve only if you just started this client yourself.</p>" : ""}
<p>It will act as you with the permission <code>${escapeHtml(view.scope)}</code>.</p>
<form method="post" action="consent">
<input type="hidden" name="transaction" value="${escapeHtml(view.transaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>`;
}

export function errorPage(title: string, detail: string): string {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>${escapeHtml(title)}</h1><p id="detail">${escapeHtml(detail)}</p>
</body></html>`;
}
