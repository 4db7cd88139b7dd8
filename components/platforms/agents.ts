/**
 * Reads the `agents` config key: each agent's name, roles and exactly one platform block, which
 * the platform's own module reads. Every problem is reported under its key path. Pure: no Pulumi.
 */
import { allAppRoles, type AppRole } from "functions-app/contract";
import type { AgentConfig } from "../config/types";
import { isRecord } from "../config/values";
import { maxFederatedCredentialsPerApp } from "../identity/federation";
import { BlockReader, type ReportProblem } from "./platform";
import {
    agentPlatformKinds,
    agentPlatforms,
    federatedCredentialsFor,
    type AgentPlatform,
    type AgentPlatformKind,
} from "./registry";

/** The agents in `v` (the key's parsed value) that have no problem. */
export function readAgents(report: ReportProblem, v: unknown): AgentConfig[] {
    if (!Array.isArray(v)) {
        report("agents", "must be a list of agents");
        return [];
    }
    const agents: AgentConfig[] = [];
    const seen = new Map<string, number>();
    v.forEach((item: unknown, i) => {
        const key = `agents[${i}]`;
        if (!isRecord(item)) {
            report(key, "must be an object {name, roles, <platform block>}");
            return;
        }
        const agent = readAgent(report, key, item);
        if (typeof item.name === "string") {
            const first = seen.get(item.name);
            if (first !== undefined)
                report(`${key}.name`, `duplicate agent name "${item.name}" (also agents[${first}])`);
            else seen.set(item.name, i);
        }
        if (agent) agents.push(agent);
    });
    return agents;
}

const agentFields = new Set<string>(["name", "description", "roles", ...agentPlatformKinds]);

function readAgent(
    report: ReportProblem,
    key: string,
    item: Record<string, unknown>,
): AgentConfig | undefined {
    let problems = 0;
    const problem: ReportProblem = (path, message) => {
        problems++;
        report(path, message);
    };
    const name = item.name;
    if (typeof name !== "string" || !/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(name)) {
        problem(`${key}.name`, "must be 3-32 lowercase letters, digits or '-', starting with a letter");
    }
    for (const field of Object.keys(item)) {
        if (!agentFields.has(field))
            problem(`${key}.${field}`, `unknown field (allowed: ${[...agentFields].join(", ")})`);
    }
    if (item.description !== undefined && typeof item.description !== "string") {
        problem(`${key}.description`, "must be a string");
    }
    const roles = readRoles(problem, `${key}.roles`, item.roles);

    const blocks = agentPlatformKinds.filter((k) => item[k] !== undefined);
    const [kind] = blocks;
    let platform: AgentPlatform | undefined;
    if (kind === undefined || blocks.length !== 1) {
        problem(
            key,
            `needs exactly one platform block (${agentPlatformKinds.join(", ")}); found ${blocks.length === 0 ? "none" : blocks.join(", ")}`,
        );
    } else {
        platform = readPlatform(problem, `${key}.${kind}`, kind, item[kind]);
    }
    if (problems > 0 || platform === undefined || typeof name !== "string") return undefined;

    const agent: AgentConfig = {
        name,
        ...(typeof item.description === "string" ? { description: item.description } : {}),
        roles,
        platform,
    };
    // The tenant does not change how many credentials there are or what they are named.
    const credentials = federatedCredentialsFor(platform, {
        tenantId: "00000000-0000-0000-0000-000000000000",
    });
    if (credentials.length > maxFederatedCredentialsPerApp) {
        problem(
            `${key}.${platform.kind}`,
            `maps to ${credentials.length} federated identity credentials; Entra allows at most ${maxFederatedCredentialsPerApp} per app`,
        );
    }
    const names = new Set<string>();
    for (const c of credentials) {
        if (names.has(c.name))
            problem(`${key}.${platform.kind}`, `two entries map to the same credential name "${c.name}"`);
        names.add(c.name);
    }
    return problems > 0 ? undefined : agent;
}

/** Reads one platform block with its module; undefined when the block is unusable. */
function readPlatform<K extends AgentPlatformKind>(
    report: ReportProblem,
    key: string,
    kind: K,
    v: unknown,
): AgentPlatform<K> | undefined {
    if (!isRecord(v)) {
        report(key, "must be an object");
        return undefined;
    }
    const settings = agentPlatforms[kind].read(new BlockReader(key, v, report));
    return settings === undefined ? undefined : platformOf(kind, settings);
}

function platformOf<K extends AgentPlatformKind>(
    kind: K,
    settings: AgentPlatform<K>["settings"],
): AgentPlatform<K> {
    return { kind, settings };
}

function readRoles(report: ReportProblem, key: string, v: unknown): AppRole[] {
    if (!Array.isArray(v) || v.length === 0) {
        report(key, `must be a non-empty list of app roles (${allAppRoles.join(", ")})`);
        return [];
    }
    const out: AppRole[] = [];
    v.forEach((role: unknown, i) => {
        const known = allAppRoles.find((r) => r === role);
        if (known === undefined) {
            report(
                `${key}[${i}]`,
                `unknown app role ${JSON.stringify(role)} (roles: ${allAppRoles.join(", ")})`,
            );
        } else if (out.includes(known)) {
            report(`${key}[${i}]`, `duplicate role "${known}"`);
        } else {
            out.push(known);
        }
    });
    return out;
}
