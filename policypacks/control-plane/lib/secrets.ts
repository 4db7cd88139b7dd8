/** Heuristics for values and names that carry credentials. */

/** Names that announce a credential: key, secret, password, token, connection string, SAS... */
const secretName =
    /(^|[^a-z])(key|keys|secret|password|passwd|pwd|token|credential|connectionstring|sas|signature)([^a-z]|$)/i;

/** Recognizable credential material inside a value. */
const secretValue: readonly RegExp[] = [
    /AccountKey=/i,
    /SharedAccessKey=/i,
    /SharedAccessSignature=/i,
    /(^|[?&;])sig=[^&;]+/i,
    /(^|;)\s*(Password|Pwd)=/i,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /ClientSecret=/i,
];

/** Splits camelCase and snake/kebab names so `mcpExtensionKey` reads as `mcp Extension Key`. */
function words(name: string): string {
    return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_\-.:]+/g, " ");
}

export function looksLikeSecretName(name: string): boolean {
    return secretName.test(words(name)) || /connection\s*string/i.test(words(name));
}

/** Key Vault references (`@Microsoft.KeyVault(...)`) are pointers, not secrets. */
export function isKeyVaultReference(value: string): boolean {
    return /^@Microsoft\.KeyVault\(.+\)$/i.test(value.trim());
}

export function looksLikeSecretValue(value: string): boolean {
    return !isKeyVaultReference(value) && secretValue.some((r) => r.test(value));
}
