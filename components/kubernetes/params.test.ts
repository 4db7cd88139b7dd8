import assert from "node:assert/strict";
import { renderWorkload, WorkloadParamsError, workloadParamsProblems } from "./manifests";
import type { WorkloadParams } from "./params";
import { checkImage, checkIpv4Cidr, parseQuantity } from "./syntax";
import { validParams } from "./test-fixtures";

const problemsOf = (overrides: Partial<WorkloadParams>): string[] =>
    workloadParamsProblems(validParams(overrides));

describe("Kubernetes workload parameters", () => {
    it("accepts the valid fixture", () => {
        assert.deepEqual(workloadParamsProblems(validParams()), []);
    });

    it("lists every problem in one error", () => {
        const bad = validParams({
            namespace: "Agents_NS",
            name: "1mcp",
            image: "acragentsdev.azurecr.io/mcp-host",
            replicas: { min: 5, max: 3 },
            identityClientId: "not-a-guid",
            storageAccountUrl: "http://stagentsdev.blob.core.windows.net",
            gatewaySubnetCidr: "10.20.4.7/24",
            internalLoadBalancerIp: "10.20.2.300",
            resources: { requests: { cpu: "fast", memory: "1Gi" }, limits: { memory: "512Mi" } },
        });
        let thrown: unknown;
        try {
            renderWorkload(bad);
        } catch (error) {
            thrown = error;
        }
        assert.ok(thrown instanceof WorkloadParamsError, "a WorkloadParamsError is thrown");
        const fields = thrown.problems.map((p) => p.split(":")[0]);
        assert.deepEqual(fields, [
            "namespace",
            "name",
            "image",
            "identityClientId",
            "storageAccountUrl",
            "gatewaySubnetCidr",
            "internalLoadBalancerIp",
            "replicas",
            "resources.requests.cpu",
            "resources.limits.memory (512Mi) is below the request (1Gi)",
        ]);
        for (const problem of thrown.problems) assert.ok(thrown.message.includes(`  - ${problem}`));
        assert.match(thrown.message, /^Invalid Kubernetes workload parameters:\n/);
    });

    const cases: ReadonlyArray<[string, Partial<WorkloadParams>, RegExp]> = [
        ["namespace too long", { namespace: "a".repeat(64) }, /^namespace: must be a DNS-1123 label/],
        [
            "shared namespace",
            { namespace: "kube-system" },
            /^namespace: "kube-system" is shared with the cluster/,
        ],
        ["default namespace", { namespace: "default" }, /^namespace: "default" is shared/],
        ["service name with a dot", { name: "mcp.host" }, /^name: must be a DNS-1035 label/],
        [
            "untagged image",
            { image: "mcr.microsoft.com/mcp-host" },
            /^image: must pin a version tag or digest/,
        ],
        ["latest image", { image: "mcp-host:latest" }, /^image: must pin a version tag or digest/],
        ["image with spaces", { image: "mcp host:1" }, /^image: must be an image reference/],
        ["zero replicas", { replicas: { min: 0, max: 2 } }, /^replicas\.min: must be an integer >= 1, got 0/],
        ["fractional replicas", { replicas: { min: 1, max: 2.5 } }, /^replicas\.max: must be an integer/],
        [
            "several replicas without backplane",
            { backplaneQueueUrl: undefined },
            /^backplaneQueueUrl: required when replicas\.max > 1/,
        ],
        [
            "blob URL for the queue",
            { backplaneQueueUrl: "https://stagentsdev.blob.core.windows.net" },
            /^backplaneQueueUrl: must look like https:\/\/<account>\.queue\.core\.windows\.net/,
        ],
        [
            "storage URL with a path",
            { storageAccountUrl: "https://stagentsdev.blob.core.windows.net/snippets" },
            /^storageAccountUrl: must be a bare service URL/,
        ],
        [
            "CIDR that admits everything",
            { gatewaySubnetCidr: "0.0.0.0/0" },
            /^gatewaySubnetCidr: must not be \/0/,
        ],
        [
            "CIDR without prefix",
            { gatewaySubnetCidr: "10.20.4.0" },
            /^gatewaySubnetCidr: must be an IPv4 CIDR/,
        ],
        ["CIDR prefix 33", { gatewaySubnetCidr: "10.20.4.0/33" }, /^gatewaySubnetCidr: must be an IPv4 CIDR/],
        [
            "octal-looking IP",
            { internalLoadBalancerIp: "10.20.02.10" },
            /^internalLoadBalancerIp: must be an IPv4/,
        ],
        [
            "subnet name with a slash",
            { lbSubnetName: "vnet/snet" },
            /^lbSubnetName: must be an Azure subnet name/,
        ],
        ["wildcard origin", { allowedOrigins: ["*"] }, /^allowedOrigins: "\*" would let any web page/],
        [
            "origin with a path",
            { allowedOrigins: ["https://app.example.com/"] },
            /^allowedOrigins: must be an origin/,
        ],
        [
            "http public base URL",
            { publicBaseUrl: "http://gw.example.com" },
            /^publicBaseUrl: must use https/,
        ],
        [
            "selector label overridden",
            { labels: { "app.kubernetes.io/name": "other" } },
            /^labels: "app\.kubernetes\.io\/name" is set by the workload itself/,
        ],
        ["label value too long", { labels: { team: "x".repeat(64) } }, /^labels: label "team": value/],
        [
            "service setting replacing the host's token validation",
            { serviceSettings: { AUTH_ISSUER: "https://evil.example.com" } },
            /^serviceSettings: "AUTH_ISSUER" is set by the workload itself/,
        ],
        [
            "service setting replacing the webhook's token file",
            { serviceSettings: { AZURE_FEDERATED_TOKEN_FILE: "/tmp/token" } },
            /^serviceSettings: "AZURE_FEDERATED_TOKEN_FILE" is set by the workload itself/,
        ],
        [
            "service setting that is not a variable name",
            { serviceSettings: { "front-door": "on" } },
            /^serviceSettings: "front-door" is not an environment variable name/,
        ],
        [
            "label key with bad prefix",
            { labels: { "Example.com/team": "a" } },
            /^labels: label key "Example\.com\/team"/,
        ],
        [
            "CPU limit below request",
            { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } } },
            /^resources\.limits\.cpu \(500m\) is below the request \(1\)/,
        ],
        [
            "negative memory",
            { resources: { requests: { cpu: "1", memory: "-1Gi" }, limits: { memory: "1Gi" } } },
            /^resources\.requests\.memory: must be a positive Kubernetes quantity/,
        ],
        [
            "auth with http issuer and empty audience",
            {
                auth: {
                    issuer: "http://login.example.com",
                    audience: [],
                    jwksUri: "https://login.example.com/keys",
                    resource: "https://gw.example.com/mcp",
                },
            },
            /^auth\.issuer: must use https/,
        ],
        [
            "auth audience with a comma",
            {
                auth: {
                    issuer: "https://login.example.com",
                    audience: "a,b",
                    jwksUri: "https://login.example.com/keys",
                    resource: "api://mcp",
                },
            },
            /^auth\.resource: must use https/,
        ],
    ];
    for (const [label, overrides, expected] of cases) {
        it(`rejects ${label}`, () => {
            const problems = problemsOf(overrides);
            assert.ok(
                problems.some((p) => expected.test(p)),
                `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`,
            );
        });
    }

    it("reports both auth problems together", () => {
        const problems = problemsOf({
            auth: {
                issuer: "https://login.example.com",
                audience: ["ok", " "],
                jwksUri: "nope",
                resource: "https://r",
            },
        });
        assert.deepEqual(problems, [
            'auth.jwksUri: must be an https URL, got "nope"',
            'auth.audience: must be non-empty and contain no comma, got " "',
        ]);
    });

    it("accepts digests, registries with ports, /32 networks and sovereign-cloud storage", () => {
        assert.equal(checkImage(`myacr.azurecr.io/team/mcp-host@sha256:${"a".repeat(64)}`), undefined);
        assert.equal(checkImage("localhost:5000/mcp-host:2024.06.1"), undefined);
        assert.equal(checkIpv4Cidr("10.20.4.17/32"), undefined);
        assert.deepEqual(
            problemsOf({
                storageAccountUrl: "https://stagents.blob.core.usgovcloudapi.net/",
                backplaneQueueUrl: "https://stagents.queue.core.chinacloudapi.cn",
            }),
            [],
        );
    });

    it("parses Kubernetes quantities", () => {
        const table: ReadonlyArray<[string, number | undefined]> = [
            ["250m", 0.25],
            ["2", 2],
            ["1.5", 1.5],
            ["512Mi", 512 * 2 ** 20],
            ["1Gi", 2 ** 30],
            ["1G", 1e9],
            ["1e3", 1000],
            [".5", 0.5],
            ["1.5Gi", 1.5 * 2 ** 30],
            ["", undefined],
            ["1 Gi", undefined],
            ["1gi", undefined],
            ["Mi", undefined],
        ];
        for (const [text, expected] of table) assert.equal(parseQuantity(text), expected, text);
    });
});
