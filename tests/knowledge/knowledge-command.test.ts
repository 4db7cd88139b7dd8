import * as assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { passagesFromFolder } from "functions-app/knowledge/documents";
import { knowledgeIndexDefinition, passageDocumentId } from "functions-app/knowledge/search-index-definition";
import { FakeAiSearch } from "functions-app/test-support/fake-ai-search";
import { indexBatches, loadPassages, planLoad, type SearchTarget } from "../../scripts/lib/knowledge-load";
import { runProcess } from "../cli/run-process";

const key = "local-search-key";
const paragraph = (n: number) => `Paragraph ${n} about the VPN gateway. ${"word ".repeat(200)}`;

describe("npm run knowledge -- load (against a fake AI Search)", () => {
    let fake: FakeAiSearch;
    let folder: string;
    let bin: string;
    before(async () => {
        fake = await FakeAiSearch.start({ keys: [key] });
        folder = await mkdtemp(path.join(tmpdir(), "knowledge-load-"));
        await mkdir(path.join(folder, "runbooks"));
        // Ten long paragraphs: several passages.
        await writeFile(
            path.join(folder, "runbooks", "vpn.md"),
            Array.from({ length: 10 }, (_, i) => paragraph(i)).join("\n\n"),
        );
        await writeFile(
            path.join(folder, "faq.txt"),
            "Printers are on the third floor.\n\nPasswords expire.\n",
        );
        await writeFile(path.join(folder, "skip.bin"), "not loaded");
        // A `pulumi` that answers `stack output --json` as the CLI would.
        bin = await mkdtemp(path.join(tmpdir(), "knowledge-bin-"));
        const pulumi = path.join(bin, "pulumi");
        await writeFile(
            pulumi,
            `#!/bin/sh\n[ "$*" = "stack output --json --stack dev" ] && echo '${JSON.stringify({ knowledge: { endpoint: fake.url, indexName: "knowledge" } })}' && exit 0\necho "no stack $*" >&2; exit 255\n`,
        );
        await chmod(pulumi, 0o755);
    });
    beforeEach(() => {
        fake.indexes.set("knowledge", { definition: knowledgeIndexDefinition("knowledge"), docs: new Map() });
        fake.requests.length = 0;
    });
    after(async () => {
        await fake.close();
        await rm(folder, { recursive: true, force: true });
        await rm(bin, { recursive: true, force: true });
    });

    const knowledge = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        runProcess(process.execPath, ["--import", "tsx", "scripts/knowledge.ts", ...args], {
            KNOWLEDGE_SEARCH_LOCAL_KEY: key,
            PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
            ...env,
        });

    it("--define-index creates the index on a service that has none, then loads it", async () => {
        fake.indexes.clear();
        const without = await knowledge(["load", folder, "--stack", "dev"]);
        assert.equal(without.code, 1, "no index, nothing to load into");
        const run = await knowledge(["load", folder, "--stack", "dev", "--define-index"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /index knowledge defined/);
        const created = fake.indexes.get("knowledge");
        assert.deepEqual(created?.definition, knowledgeIndexDefinition("knowledge"));
        assert.equal(created?.docs.size, (await passagesFromFolder(folder)).length);
    });

    it("loads the local index's passages into the stack's index, keyed by source and chunk", async () => {
        const run = await knowledge(["load", folder, "--stack", "dev"]);
        assert.equal(run.code, 0, run.stderr);
        const local = await passagesFromFolder(folder);
        assert.ok(local.length > 3, "the long document gave several passages");
        assert.match(run.stdout, new RegExp(`^2 documents, ${local.length} passages from `));
        assert.match(
            run.stdout,
            new RegExp(
                `uploaded ${local.length} passages in 1 batches to index knowledge at ${fake.url}; removed 0 stale`,
            ),
        );
        const stored = [...fake.indexes.get("knowledge")!.docs.values()];
        // Exactly the passages the local index holds, in the same split.
        assert.deepEqual(
            stored
                .map((d) => ({ source: d.source, text: d.content }))
                .sort((a, b) => String(a.text).localeCompare(String(b.text))),
            local
                .map((p) => ({ source: p.source, text: p.text }))
                .sort((a, b) => a.text.localeCompare(b.text)),
        );
        assert.ok(
            stored.some(
                (d) =>
                    d.id === passageDocumentId("faq.txt", 0) &&
                    d.content === "Printers are on the third floor.\n\nPasswords expire.",
            ),
        );
        const upload = fake.requests.find((r) => r.path.endsWith("/docs/index"))!;
        assert.equal(upload.headers["api-key"], key);
        assert.ok(
            (JSON.parse(upload.body) as { value: { "@search.action": string }[] }).value.every(
                (a) => a["@search.action"] === "mergeOrUpload",
            ),
        );
    });

    it("replaces on reload: no duplicates, and a shortened document's extra passages are removed", async () => {
        const target: SearchTarget = { endpoint: fake.url, indexName: "knowledge", auth: { "api-key": key } };
        const first = await loadPassages(target, await planLoad(folder));
        const again = await loadPassages(target, await planLoad(folder));
        assert.equal(fake.indexes.get("knowledge")!.docs.size, first.passages);
        assert.equal(again.removed, 0);
        const shorter = await mkdtemp(path.join(tmpdir(), "knowledge-shorter-"));
        try {
            await mkdir(path.join(shorter, "runbooks"));
            await writeFile(path.join(shorter, "runbooks", "vpn.md"), paragraph(0));
            const result = await loadPassages(target, await planLoad(shorter));
            const vpn = [...fake.indexes.get("knowledge")!.docs.values()].filter(
                (d) => d.source === "runbooks/vpn.md",
            );
            assert.deepEqual(
                vpn.map((d) => d.chunk),
                [0],
            );
            assert.equal(result.removed, first.passages - 2, "all but chunk 0 of vpn.md; faq.txt untouched");
            assert.equal(fake.indexes.get("knowledge")!.docs.size, 2);
        } finally {
            await rm(shorter, { recursive: true, force: true });
        }
    });

    it("counts without sending on --dry-run, and fails on a 403 naming the role it needs", async () => {
        const dry = await knowledge(["load", folder, "--dry-run"]);
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /^2 documents, \d+ passages from /);
        assert.equal(fake.requests.length, 0);

        const refused = await knowledge(["load", folder, "--endpoint", fake.url], {
            KNOWLEDGE_SEARCH_LOCAL_KEY: "wrong",
        });
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /answered 403 .*Search Index Data Contributor/);
        assert.equal(fake.indexes.get("knowledge")!.docs.size, 0);

        const usage = await knowledge(["load", folder, "--endpoint", "http://search.example.com"]);
        assert.equal(usage.code, 2);
        assert.match(
            usage.stderr,
            /--endpoint: must be https \(http only on loopback\).*LOCAL_KEY: only for a local stand-in/,
        );
    });

    it("keeps every batch within 1000 passages and 16 MB, in order", () => {
        const doc = (i: number, size = 10) => ({
            "@search.action": "mergeOrUpload" as const,
            id: `p${i}`,
            source: "s",
            chunk: i,
            content: "x".repeat(size),
        });
        const many = Array.from({ length: 2500 }, (_, i) => doc(i));
        const counts = indexBatches(many).map((b) => (JSON.parse(b) as { value: unknown[] }).value.length);
        assert.deepEqual(counts, [1000, 1000, 500]);
        const big = Array.from({ length: 7 }, (_, i) => doc(i, 3_000));
        const limits = { documents: 1000, bytes: 10_000 };
        const bodies = indexBatches(big, limits);
        assert.ok(bodies.every((b) => Buffer.byteLength(b) <= limits.bytes));
        assert.deepEqual(
            bodies.flatMap((b) => (JSON.parse(b) as { value: { id: string }[] }).value.map((d) => d.id)),
            big.map((d) => d.id),
        );
        assert.equal(bodies.length, 3);
        assert.throws(() => indexBatches([doc(0, 20_000)], limits), /p0 alone is larger than 10000 bytes/);
    });
});
