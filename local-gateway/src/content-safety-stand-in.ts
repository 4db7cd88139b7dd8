/**
 * A local stand-in for Azure AI Content Safety's two text APIs, with deterministic rules so the
 * gateway's screening policy runs in tests: `text:shieldPrompt` flags instruction-override phrasing
 * ("ignore previous instructions" and kin) in the user prompt or in any document; `text:analyze`
 * rates a category at severity 6 when the text holds its marker word (`harm-marker-hate`, ...), else
 * 0. It accepts only a bearer token for the Cognitive Services audience, like the service with local
 * auth disabled, and can be switched down (503) or slow (answers after `slowMs`) to test failure
 * handling. Request and response shapes follow the service's 2024-09-01 API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const contentSafetyAudience = "https://cognitiveservices.azure.com";
export const harmCategories = ["Hate", "SelfHarm", "Sexual", "Violence"] as const;
export type HarmCategory = (typeof harmCategories)[number];

/** The word that makes the stand-in rate `category` severe. */
export function harmMarker(category: HarmCategory): string {
    return `harm-marker-${category.toLowerCase()}`;
}

/** Phrasing the stand-in's Prompt Shields treats as an attack. */
const attack =
    /\b(ignore|disregard|forget)\s+(all\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|rules|prompts?)\b/i;

export type StandInState = "up" | "down" | "slow";

export interface ContentSafetyStandIn {
    readonly url: string;
    /** Requests received, by API (`shieldPrompt`, `analyze`). */
    readonly calls: { shieldPrompt: number; analyze: number };
    setState(state: StandInState, slowMs?: number): void;
    close(): Promise<void>;
}

const maxBody = 1024 * 1024;

export async function startContentSafetyStandIn(
    /** Accepts the bearer token of a request; the gateway's managed identity for the audience. */
    authorize: (token: string) => Promise<boolean>,
): Promise<ContentSafetyStandIn> {
    let state: StandInState = "up";
    let delayMs = 0;
    const calls = { shieldPrompt: 0, analyze: 0 };
    const server: Server = createServer((req, res) => {
        void handle(req, res).catch(() => answer(res, 500, { error: { code: "InternalServerError" } }));
    });
    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const body = await readBody(req);
        if (state === "down") return answer(res, 503, { error: { code: "ServiceUnavailable" } });
        if (state === "slow") await new Promise((resolve) => setTimeout(resolve, delayMs));
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        if (!token || !(await authorize(token)))
            return answer(res, 401, { error: { code: "PermissionDenied", message: "Entra token required" } });
        const url = new URL(req.url ?? "/", "http://stand-in");
        if (req.method !== "POST" || url.searchParams.get("api-version") !== "2024-09-01")
            return answer(res, 404, { error: { code: "NotFound" } });
        let input: Record<string, unknown>;
        try {
            input = JSON.parse(body) as Record<string, unknown>;
        } catch {
            return answer(res, 400, { error: { code: "InvalidRequestBody" } });
        }
        if (url.pathname === "/contentsafety/text:shieldPrompt") {
            calls.shieldPrompt++;
            const prompt = typeof input.userPrompt === "string" ? input.userPrompt : "";
            const documents = Array.isArray(input.documents) ? input.documents.map(String) : [];
            return answer(res, 200, {
                userPromptAnalysis: { attackDetected: attack.test(prompt) },
                documentsAnalysis: documents.map((d) => ({ attackDetected: attack.test(d) })),
            });
        }
        if (url.pathname === "/contentsafety/text:analyze") {
            calls.analyze++;
            const text = typeof input.text === "string" ? input.text.toLowerCase() : "";
            const asked = Array.isArray(input.categories)
                ? input.categories.map(String)
                : [...harmCategories];
            return answer(res, 200, {
                blocklistsMatch: [],
                categoriesAnalysis: harmCategories
                    .filter((c) => asked.includes(c))
                    .map((category) => ({ category, severity: text.includes(harmMarker(category)) ? 6 : 0 })),
            });
        }
        return answer(res, 404, { error: { code: "NotFound" } });
    }
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        calls,
        setState(next, slowMs = 0) {
            state = next;
            delayMs = slowMs;
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > maxBody) throw new Error("body too large");
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
}

function answer(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
}
