/**
 * What an agent platform is to the control plane: how its config block is read, which Entra
 * credentials it maps to, which token issuers the policy pack trusts for it by default, and how the
 * README and Pulumi.yaml describe it. Each platform is one module implementing
 * {@link AgentPlatformModule}; `registry.ts` lists them. Pure: no Pulumi imports.
 */
import type { FederatedCredentialSpec, FederationContext } from "../identity/federation";

/** Receives one problem: the key path without the project prefix, and what is wrong. */
export type ReportProblem = (path: string, message: string) => void;

/** A certificate credential, for platforms that cannot federate: never a client secret. */
export interface CertificateCredentialSpec {
    /** Public certificate, PEM or base64 DER. */
    readonly certificate: string;
    readonly encoding: "pem" | "base64";
    /** Certificate expiry (ISO 8601), read from the certificate. */
    readonly notAfter: string;
}

/** An audience a platform's tokens carry in place of the token-exchange audience. */
export interface PlatformAudience {
    readonly issuer: string;
    readonly pattern: RegExp;
    /** What the audience is, for messages: "the Cognito identity pool id". */
    readonly description: string;
}

/** How the docs show a platform; a test holds the README table and Pulumi.yaml to these. */
export interface PlatformDocs {
    /** The README platform table's "fields" cell (Markdown). */
    readonly fields: string;
    /** The README platform table's "federated credential created" cell (Markdown). */
    readonly credential: string;
    /** The block's shape as Pulumi.yaml's comment shows it. */
    readonly yaml: string;
}

export interface AgentPlatformModule<K extends string, S> {
    /** The block's name in an agent's config (`agents[].<kind>`). */
    readonly kind: K;
    readonly docs: PlatformDocs;
    /**
     * Issuers this platform's tokens come from, as patterns of the policy pack's `allowedIssuers`
     * (`*` matches within one URL segment): the pack's defaults are the union over all platforms.
     * Empty when the owner supplies the issuer (the platform team then allows it) or the platform
     * does not federate.
     */
    readonly allowedIssuers: readonly string[];
    /**
     * Set by platforms whose tokens carry an audience of their own instead of the token-exchange
     * audience (Cognito puts the identity pool id in `aud`): the policy pack accepts an audience
     * matching `pattern` on credentials of `issuer`.
     */
    readonly ownAudience?: PlatformAudience;
    /** Reads the block, reporting every problem; undefined when nothing usable is left. */
    read(block: BlockReader): S | undefined;
    /** Federated identity credentials on the agent's app registration; Entra matches them exactly. */
    federatedCredentials(settings: S, ctx: FederationContext): FederatedCredentialSpec[];
    /** Set by platforms that authenticate with a certificate instead of federation. */
    certificate?(settings: S): CertificateCredentialSpec;
}

/** Reads the fields of one platform block, reporting each problem under `<key>.<field>`. */
export class BlockReader {
    constructor(
        /** Key path of the block, e.g. `agents[2].gcp`. */
        readonly key: string,
        private readonly block: Readonly<Record<string, unknown>>,
        private readonly report: ReportProblem,
    ) {}

    /** A problem with one field, or with the block as a whole when `field` is left out. */
    problem(message: string, field?: string): void {
        this.report(field === undefined ? this.key : `${this.key}.${field}`, message);
    }

    /** The field as the YAML holds it, for fields with a shape of their own. */
    value(field: string): unknown {
        return this.block[field];
    }

    /** A non-empty string that passes `check`; `message` says what it must be. */
    requiredString(field: string, check: (x: string) => boolean, message: string): string {
        const x = this.block[field];
        if (typeof x !== "string" || x === "") {
            this.problem(`is required (${message})`, field);
            return "";
        }
        if (!check(x)) this.problem(`${message} (got "${x}")`, field);
        return x;
    }

    /** An optional list of strings, each passing `check`; absent means empty. */
    stringList(field: string, check: (x: string) => boolean, message: string): string[] {
        const x = this.block[field];
        if (x === undefined) return [];
        if (!Array.isArray(x)) {
            this.problem("must be a list of strings", field);
            return [];
        }
        x.forEach((e: unknown, i) => {
            if (typeof e !== "string" || !check(e))
                this.problem(`${message} (got ${JSON.stringify(e)})`, `${field}[${i}]`);
        });
        return x.filter((e): e is string => typeof e === "string");
    }
}
