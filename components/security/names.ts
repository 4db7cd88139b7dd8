/**
 * Key Vault naming rules, as plain functions. Vault names are global (they are DNS labels under
 * vault.azure.net) and stay reserved while a deleted vault is soft-deleted, so a name is derived
 * once from where the stack deploys and never from anything that changes.
 */

/** Azure's rule: 3-24 characters, letters, digits and single hyphens, starting with a letter, ending alphanumeric. */
const vaultNamePattern = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

/** Secret names: 1-127 letters, digits and hyphens. */
const secretNamePattern = /^[a-zA-Z0-9-]{1,127}$/;

/** What is wrong with a vault name (empty when Azure accepts it). */
export function keyVaultNameProblems(name: string): string[] {
    return vaultNamePattern.test(name)
        ? []
        : [
              `Key Vault name "${name}" must be 3-24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit`,
          ];
}

/**
 * `<baseName>-kv-<unique>` shortened to fit 24 characters: the base loses characters from its
 * end, runs of hyphens collapse, and the 6-character suffix keeps the name unique per
 * subscription and stack.
 */
export function keyVaultName(baseName: string, unique: string): string {
    const suffix = `-kv-${unique}`;
    const base = baseName
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "")
        .replace(/-+/g, "-")
        .slice(0, 24 - suffix.length)
        .replace(/-+$/, "");
    const name = `${base}${suffix}`;
    const problems = keyVaultNameProblems(name);
    if (problems.length > 0) throw new Error(problems.join("; "));
    return name;
}

/** Checks a secret name against Key Vault's rule; returns it unchanged. */
export function keyVaultSecretName(name: string): string {
    if (!secretNamePattern.test(name))
        throw new Error(`Key Vault secret name "${name}" must be 1-127 letters, digits or hyphens`);
    return name;
}
