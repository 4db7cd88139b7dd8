/** Shapes of configuration values that more than one reader checks. Pure: no Pulumi imports. */

/** An Entra object or principal id. */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isHttpsUrl(v: string): boolean {
    try {
        const u = new URL(v);
        return u.protocol === "https:" && u.hostname !== "";
    } catch {
        return false;
    }
}

/** A YAML mapping as JSON.parse returns it (not a list, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "a or b", "a, b or c": the accepted values as a message lists them. */
export function alternatives(values: readonly (string | number)[]): string {
    const shown = values.map(String);
    return shown.length <= 1
        ? shown.join("")
        : `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}
