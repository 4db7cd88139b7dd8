/** GitHub Actions OIDC: one credential per environment, branch, tag, and optionally pull requests. */
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface GithubActionsFederation {
    /** `owner/repo`. */
    readonly repository: string;
    readonly environments: readonly string[];
    readonly branches: readonly string[];
    readonly tags: readonly string[];
    readonly pullRequests: boolean;
}

const issuer = "https://token.actions.githubusercontent.com";
const repositoryPattern = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const gitRefPattern = /^[A-Za-z0-9._/-]+$/;

export const githubActionsPlatform: AgentPlatformModule<"githubActions", GithubActionsFederation> = {
    kind: "githubActions",
    docs: {
        fields: "`repository`, `environments`, `branches`, `tags`, `pullRequests`",
        credential: "one credential per entry, `repo:<owner>/<repo>:…`",
        yaml: "{ repository: owner/repo, environments: [], branches: [], tags: [], pullRequests: false }",
    },
    allowedIssuers: [issuer],
    read: (block) => {
        const repository = block.requiredString(
            "repository",
            (x) => repositoryPattern.test(x),
            "must be owner/repo",
        );
        const environments = block.stringList(
            "environments",
            (x) => /^[^:\s]{1,255}$/.test(x),
            "must be an environment name",
        );
        const branches = block.stringList("branches", (x) => gitRefPattern.test(x), "must be a branch name");
        const tags = block.stringList("tags", (x) => gitRefPattern.test(x), "must be a tag name");
        const pr = block.value("pullRequests");
        if (pr !== undefined && typeof pr !== "boolean")
            block.problem("must be true or false", "pullRequests");
        const pullRequests = pr === true;
        if (environments.length + branches.length + tags.length === 0 && !pullRequests)
            block.problem("needs at least one of environments, branches, tags or pullRequests: true");
        return { repository, environments, branches, tags, pullRequests };
    },
    federatedCredentials: (g) => {
        const base = `repo:${g.repository}`;
        return [
            ...g.environments.map((e) =>
                federatedCredential(`gh-env-${e}`, issuer, `${base}:environment:${e}`, "GitHub environment"),
            ),
            ...g.branches.map((b) =>
                federatedCredential(`gh-branch-${b}`, issuer, `${base}:ref:refs/heads/${b}`, "GitHub branch"),
            ),
            ...g.tags.map((t) =>
                federatedCredential(`gh-tag-${t}`, issuer, `${base}:ref:refs/tags/${t}`, "GitHub tag"),
            ),
            ...(g.pullRequests
                ? [
                      federatedCredential(
                          "gh-pull-request",
                          issuer,
                          `${base}:pull_request`,
                          "GitHub pull requests",
                      ),
                  ]
                : []),
        ];
    },
};
