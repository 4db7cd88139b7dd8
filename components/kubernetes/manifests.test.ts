import assert from "node:assert/strict";
import type { IContainer } from "kubernetes-models/v1/Container";
import { manifestList, renderWorkload, workloadIdentitySubject, type WorkloadManifests } from "./manifests";
import { hostAllowListFor } from "functions-app/host-check";
import { readSettings } from "functions-app/node-host/settings";
import { validateAgainstSchema, validParams } from "./test-fixtures";

const envOf = (container: IContainer): Map<string, string | undefined> =>
    new Map((container.env ?? []).map((e) => [e.name, e.value]));

const hostContainer = (m: WorkloadManifests): IContainer => {
    const containers = m.deployment.spec.template.spec?.containers ?? [];
    const [container] = containers;
    assert.equal(containers.length, 1);
    assert.ok(container);
    return container;
};

const withEverything = validParams({
    auth: {
        issuer: "https://login.microsoftonline.com/8d2f4c1a-0b7e-4f3a-9c6d-1e2f3a4b5c6d/v2.0",
        audience: ["11111111-2222-3333-4444-555555555555", "api://agents-mcp"],
        jwksUri: "https://login.microsoftonline.com/8d2f4c1a-0b7e-4f3a-9c6d-1e2f3a4b5c6d/discovery/v2.0/keys",
        resource: "https://apim-agents.azure-api.net/mcp",
        authorizationServers: ["https://login.microsoftonline.com/8d2f4c1a-0b7e-4f3a-9c6d-1e2f3a4b5c6d/v2.0"],
        scopes: ["api://agents-mcp/MCP.Access"],
    },
    allowedOrigins: ["https://portal.example.com", "http://localhost:6274"],
    publicBaseUrl: "https://apim-agents.azure-api.net",
    internalLoadBalancerIp: "10.20.2.10",
    lbSubnetName: "snet-aks-ilb",
    labels: { environment: "prod", "example.com/cost-centre": "cc-42" },
    resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
});
const singleReplica = validParams({ replicas: { min: 1, max: 1 }, backplaneQueueUrl: undefined });

describe("Kubernetes workload manifests", () => {
    for (const [label, params] of [
        ["defaults", validParams()],
        ["every option", withEverything],
        ["single replica", singleReplica],
    ] as const) {
        it(`conform to the Kubernetes schemas (${label})`, () => {
            const objects = manifestList(renderWorkload(params));
            assert.deepEqual(
                objects.map((o) => o.kind),
                [
                    "Namespace",
                    "ServiceAccount",
                    "NetworkPolicy",
                    "NetworkPolicy",
                    "Deployment",
                    "Service",
                    "HorizontalPodAutoscaler",
                    "PodDisruptionBudget",
                ],
            );
            for (const object of objects) {
                assert.doesNotThrow(
                    () => validateAgainstSchema(object),
                    `${object.kind} ${object.metadata.name}`,
                );
                assert.match(object.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
                if (object.kind !== "Namespace") assert.equal(object.metadata.namespace, params.namespace);
            }
        });
    }

    it("schema validation rejects a malformed object (the check can fail)", () => {
        const { deployment } = renderWorkload(validParams());
        const broken = { ...deployment, spec: { ...deployment.spec, selector: undefined } };
        assert.throws(() => validateAgainstSchema(broken), /selector/);
        const badPort = structuredClone(deployment);
        const port = badPort.spec.template.spec?.containers[0]?.ports?.[0];
        assert.ok(port);
        port.containerPort = "8080" as unknown as number;
        assert.throws(() => validateAgainstSchema(badPort), /containerPort must be integer/);
    });

    it("runs the host as distroless nonroot with nothing writable or escalatable", () => {
        const m = renderWorkload(validParams());
        const pod = m.deployment.spec.template.spec;
        assert.deepEqual(pod?.securityContext, {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(hostContainer(m).securityContext, {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(pod?.automountServiceAccountToken, false);
        assert.equal(m.serviceAccount.automountServiceAccountToken, false);
        assert.equal(pod?.enableServiceLinks, false);
        assert.equal(
            pod?.volumes,
            undefined,
            "no volumes: the root filesystem is read-only and nothing is written",
        );
        assert.deepEqual(m.namespace.metadata.labels, {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        });
    });

    it("probes /healthz and /readyz on the named 8080 port, and drains before SIGTERM", () => {
        const m = renderWorkload(validParams());
        const c = hostContainer(m);
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        assert.deepEqual(c.livenessProbe?.httpGet, { path: "/healthz", port: "http" });
        assert.deepEqual(c.readinessProbe?.httpGet, { path: "/readyz", port: "http" });
        assert.deepEqual(c.startupProbe?.httpGet, { path: "/healthz", port: "http" });
        // The startup probe gives the host a minute before liveness may restart it.
        assert.equal((c.startupProbe?.periodSeconds ?? 0) * (c.startupProbe?.failureThreshold ?? 0), 60);
        const sleep = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
        assert.equal(sleep, 15);
        assert.equal(c.lifecycle?.preStop?.exec, undefined, "distroless has no shell to exec a sleep");
        const grace = m.deployment.spec.template.spec?.terminationGracePeriodSeconds ?? 30;
        assert.ok(
            grace >= sleep + 10 + 5,
            `grace ${grace}s covers the preStop sleep and the host's 10 s drain`,
        );
    });

    it("sets requests and limits from the parameters, as strings", () => {
        assert.deepEqual(hostContainer(renderWorkload(validParams())).resources, {
            requests: { cpu: "250m", memory: "256Mi" },
            limits: { memory: "512Mi" },
        });
        assert.deepEqual(hostContainer(renderWorkload(withEverything)).resources, {
            requests: { cpu: "500m", memory: "512Mi" },
            limits: { cpu: "2", memory: "1Gi" },
        });
    });

    it("passes the runtime settings the Node host reads, and leaves AZURE_CLIENT_ID to the webhook", () => {
        const env = envOf(hostContainer(renderWorkload(withEverything)));
        assert.equal(env.get("HOST"), "0.0.0.0");
        assert.equal(env.get("PORT"), "8080");
        assert.equal(env.get("SNIPPETS_STORAGE_ACCOUNT_URL"), "https://stagentsdev.blob.core.windows.net");
        assert.equal(env.get("SSE_BACKPLANE_QUEUE_URL"), "https://stagentsdev.queue.core.windows.net");
        assert.equal(env.get("AUTH_ISSUER"), withEverything.auth?.issuer);
        assert.equal(env.get("AUTH_AUDIENCE"), "11111111-2222-3333-4444-555555555555,api://agents-mcp");
        assert.equal(env.get("AUTH_JWKS_URI"), withEverything.auth?.jwksUri);
        assert.equal(env.get("AUTH_RESOURCE"), "https://apim-agents.azure-api.net/mcp");
        assert.equal(env.get("AUTH_AUTHORIZATION_SERVERS"), withEverything.auth?.issuer);
        assert.equal(env.get("AUTH_SCOPES"), "api://agents-mcp/MCP.Access");
        assert.equal(env.get("ALLOWED_ORIGINS"), "https://portal.example.com,http://localhost:6274");
        assert.equal(env.get("PUBLIC_BASE_URL"), "https://apim-agents.azure-api.net");
        for (const injected of ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"]) {
            assert.equal(
                env.has(injected),
                false,
                `${injected} is injected by the workload identity webhook`,
            );
        }

        const minimal = envOf(hostContainer(renderWorkload(singleReplica)));
        assert.deepEqual(
            [...minimal.keys()].sort(),
            ["HOST", "PORT", "SNIPPETS_STORAGE_ACCOUNT_URL"],
            "no auth, backplane or origins unless given",
        );
    });

    it("renders an environment the Node host's own settings reader accepts", () => {
        for (const params of [withEverything, singleReplica]) {
            const env: Record<string, string | undefined> = Object.fromEntries(
                envOf(hostContainer(renderWorkload(params))),
            );
            // What the workload identity webhook adds at admission.
            env.AZURE_CLIENT_ID = params.identityClientId;
            const result = readSettings(env);
            assert.ok(result.ok, result.ok ? "" : result.errors.join("; "));
            const { settings } = result;
            assert.equal(settings.port, 8080);
            assert.equal(settings.host, "0.0.0.0");
            assert.deepEqual(settings.storage, {
                accountUrl: params.storageAccountUrl,
                container: undefined,
                managedIdentityClientId: params.identityClientId,
            });
            assert.deepEqual(
                settings.backplane,
                params.backplaneQueueUrl ? { queueServiceUrl: params.backplaneQueueUrl } : undefined,
            );
            assert.deepEqual(settings.auth?.audiences, params.auth ? params.auth.audience : undefined);
            assert.equal(settings.auth?.resource, params.auth?.resource);
            assert.deepEqual(settings.auth?.scopes, params.auth?.scopes);
            assert.deepEqual(settings.allowedOrigins, params.allowedOrigins ?? []);
            assert.equal(settings.publicBaseUrl, params.publicBaseUrl);
        }
    });

    it("renders an environment under which the host serves the gateway (Host: the load balancer's IP) and refuses other names", () => {
        const env: Record<string, string | undefined> = Object.fromEntries(
            envOf(hostContainer(renderWorkload(withEverything))),
        );
        env.AZURE_CLIENT_ID = withEverything.identityClientId;
        const result = readSettings(env);
        assert.ok(result.ok);
        const hosts = hostAllowListFor({
            listenHost: result.settings.host,
            ...(result.settings.publicBaseUrl !== undefined && {
                publicBaseUrl: result.settings.publicBaseUrl,
            }),
            allowedHosts: result.settings.allowedHosts,
        });
        // APIM calls the backend URL http://<internal LB IP>:80; the kubelet probes the pod IP.
        for (const legitimate of [
            `${withEverything.internalLoadBalancerIp}:80`,
            "10.244.3.9:8080",
            "apim-agents.azure-api.net",
        ])
            assert.ok(hosts.allows(legitimate), legitimate);
        for (const rebound of ["evil.example.com", "evil.example.com:80", "10.20.2.10.nip.io"])
            assert.equal(hosts.allows(rebound), false, rebound);
    });

    it("wires workload identity: client id on the service account, use label on the pods", () => {
        const m = renderWorkload(validParams());
        assert.deepEqual(m.serviceAccount.metadata.annotations, {
            "azure.workload.identity/client-id": "3f0c9a6e-2b1d-4c7e-9a8f-5d6e7f8a9b0c",
        });
        const template = m.deployment.spec.template;
        assert.equal(template.metadata?.labels?.["azure.workload.identity/use"], "true");
        assert.equal(template.spec?.serviceAccountName, m.serviceAccount.metadata.name);
        assert.equal(workloadIdentitySubject(validParams()), "system:serviceaccount:mcp:mcp-host");
        assert.equal(
            workloadIdentitySubject(validParams()),
            `system:serviceaccount:${m.serviceAccount.metadata.namespace}:${m.serviceAccount.metadata.name}`,
        );
    });

    it("rolls out without losing capacity and spreads pods across zones and nodes", () => {
        const spec = renderWorkload(validParams()).deployment.spec;
        assert.deepEqual(spec.strategy, {
            type: "RollingUpdate",
            rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
        });
        assert.equal(spec.replicas, undefined, "the autoscaler owns the replica count");
        const spread = spec.template.spec?.topologySpreadConstraints ?? [];
        assert.deepEqual(
            spread.map((c) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable]),
            [
                ["topology.kubernetes.io/zone", 1, "ScheduleAnyway"],
                ["kubernetes.io/hostname", 1, "DoNotSchedule"],
            ],
        );
        for (const c of spread) assert.deepEqual(c.labelSelector?.matchLabels, spec.selector.matchLabels);
        // The Deployment must select its own pods (the API server rejects it otherwise).
        for (const [k, v] of Object.entries(spec.selector.matchLabels ?? {})) {
            assert.equal(spec.template.metadata?.labels?.[k], v);
        }
    });

    it("exposes the pods only on an internal load balancer that keeps the caller's source IP", () => {
        const plain = renderWorkload(validParams()).service;
        assert.deepEqual(plain.metadata.annotations, {
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
        });
        assert.equal(plain.spec.type, "LoadBalancer");
        assert.equal(plain.spec.externalTrafficPolicy, "Local");
        assert.equal(plain.spec.sessionAffinity, "None");
        assert.deepEqual(plain.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.equal(
            plain.spec.loadBalancerIP,
            undefined,
            "deprecated field; the ipv4 annotation replaces it",
        );

        const fixed = renderWorkload(withEverything).service;
        assert.deepEqual(fixed.metadata.annotations, {
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
            "service.beta.kubernetes.io/azure-load-balancer-internal-subnet": "snet-aks-ilb",
            "service.beta.kubernetes.io/azure-load-balancer-ipv4": "10.20.2.10",
        });
        assert.deepEqual(
            fixed.spec.selector,
            renderWorkload(withEverything).deployment.spec.selector.matchLabels,
        );
    });

    it("admits only the gateway subnet on 8080 and lets the pods reach only DNS and HTTPS", () => {
        const m = renderWorkload(validParams());
        const policy = m.networkPolicy.spec;
        assert.deepEqual(policy.podSelector.matchLabels, m.deployment.spec.selector.matchLabels);
        assert.deepEqual(policy.policyTypes, ["Ingress", "Egress"]);
        assert.deepEqual(policy.ingress, [
            { from: [{ ipBlock: { cidr: "10.20.4.0/24" } }], ports: [{ protocol: "TCP", port: 8080 }] },
        ]);
        const egressPorts = (policy.egress ?? []).flatMap((rule) =>
            (rule.ports ?? []).map((p) => `${p.protocol}/${String(p.port)}`),
        );
        assert.deepEqual(egressPorts, ["UDP/53", "TCP/53", "TCP/443"]);
        const dns = policy.egress?.[0]?.to?.[0];
        assert.deepEqual(dns?.namespaceSelector?.matchLabels, {
            "kubernetes.io/metadata.name": "kube-system",
        });
        assert.deepEqual(dns?.podSelector?.matchLabels, { "k8s-app": "kube-dns" });

        assert.deepEqual(m.defaultDeny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("autoscales between the replica bounds on CPU and memory", () => {
        const m = renderWorkload(validParams());
        const hpa = m.autoscaler.spec;
        assert.deepEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "mcp-host" });
        assert.equal(hpa.scaleTargetRef.name, m.deployment.metadata.name);
        assert.equal(hpa.minReplicas, 2);
        assert.equal(hpa.maxReplicas, 6);
        assert.deepEqual(
            (hpa.metrics ?? []).map((metric) => [
                metric.resource?.name,
                metric.resource?.target.averageUtilization,
            ]),
            [
                ["cpu", 70],
                ["memory", 80],
            ],
        );
    });

    it("budgets one voluntary disruption at a time, even for a single replica", () => {
        for (const params of [validParams(), singleReplica]) {
            const m = renderWorkload(params);
            assert.equal(m.disruptionBudget.spec.maxUnavailable, 1);
            assert.equal(m.disruptionBudget.spec.minAvailable, undefined);
            assert.deepEqual(
                m.disruptionBudget.spec.selector?.matchLabels,
                m.deployment.spec.selector.matchLabels,
            );
        }
    });

    it("adds caller labels to every object without touching the selector", () => {
        const m = renderWorkload(withEverything);
        for (const object of manifestList(m)) {
            assert.equal(object.metadata.labels?.environment, "prod", object.kind);
            assert.equal(object.metadata.labels?.["example.com/cost-centre"], "cc-42", object.kind);
        }
        assert.deepEqual(m.deployment.spec.selector.matchLabels, { "app.kubernetes.io/name": "mcp-host" });
    });
});
