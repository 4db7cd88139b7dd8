/**
 * A minimal browser for the front door's sign-in: follows redirects by hand with a cookie jar,
 * answers the consent page by submitting its form, and stops where the front door sends the user
 * back to the MCP client (the client's redirect URI), returning that URL.
 */
import * as assert from "node:assert/strict";

export type ConsentDecision = "approve" | "deny";

export class TestBrowser {
    private readonly jar = new Map<string, string>();
    /** Pages seen, in order (status and URL), for assertions about what the user was shown. */
    readonly visited: { url: string; status: number; body?: string }[] = [];

    cookieHeader(): string {
        return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    }

    forgetCookies(): void {
        this.jar.clear();
    }

    async request(url: string, init: RequestInit = {}): Promise<Response> {
        const response = await fetch(url, {
            ...init,
            redirect: "manual",
            headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
        });
        for (const line of response.headers.getSetCookie()) {
            const [pair = "", ...attributes] = line.split(";");
            const eq = pair.indexOf("=");
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
            if (expired || value === "") this.jar.delete(name);
            else this.jar.set(name, value);
        }
        return response;
    }

    /**
     * Opens `start` and follows redirects, answering a consent page with `decision`, until a
     * redirect leads to `clientRedirect` (returned) or a page that is neither (thrown).
     */
    async signIn(start: string, clientRedirect: string, decision: ConsentDecision = "approve"): Promise<URL> {
        let url = start;
        let init: RequestInit = {};
        for (let hop = 0; hop < 10; hop++) {
            const response = await this.request(url, init);
            init = {};
            const location = response.headers.get("location");
            if (response.status === 302 && location) {
                this.visited.push({ url, status: 302 });
                const next = new URL(location, url).toString();
                if (next.startsWith(clientRedirect)) return new URL(next);
                url = next;
                continue;
            }
            const body = await response.text();
            this.visited.push({ url, status: response.status, body });
            if (response.status === 200 && body.includes('action="consent"')) {
                const field = (name: string) => {
                    const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1];
                    assert.ok(value !== undefined, `consent form has ${name}`);
                    return value;
                };
                url = new URL("consent", url).toString();
                init = {
                    method: "POST",
                    headers: { "content-type": "application/x-www-form-urlencoded" },
                    body: new URLSearchParams({
                        transaction: field("transaction"),
                        csrf: field("csrf"),
                        decision,
                    }).toString(),
                };
                continue;
            }
            throw new Error(`sign-in stopped at ${url}: ${response.status} ${body.slice(0, 300)}`);
        }
        throw new Error("too many redirects");
    }

    /** True when the last sign-in showed a consent page. */
    sawConsent(): boolean {
        return this.visited.some((v) => v.body?.includes('action="consent"'));
    }
}
