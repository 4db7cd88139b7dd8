import type { JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { mapBounded } from "./bounded-map";
import { batchMemberRefusal, isRequest, type BatchMember, type JsonRpcErrorAnswer } from "./jsonrpc";

/** Requests of one batch handled at once: a batch cannot take over the server pool or the CPU. */
export const batchConcurrency = 4;

/**
 * Answers a batch member by member, in the members' order (JSON-RPC 2.0 §6): a refused member gets
 * its refusal, each request its own answer, notifications and responses nothing. One member's
 * failure never touches another's answer. Empty when nothing in the batch expects an answer.
 */
export async function answerBatch(
    members: readonly BatchMember[],
    answer: (request: JSONRPCRequest) => Promise<JSONRPCMessage>,
): Promise<(JSONRPCMessage | JsonRpcErrorAnswer)[]> {
    const answers = new Array<JSONRPCMessage | JsonRpcErrorAnswer | undefined>(members.length);
    const pending: { readonly index: number; readonly request: JSONRPCRequest }[] = [];
    for (const [index, member] of members.entries()) {
        if (!member.ok) {
            answers[index] = member.answer;
            continue;
        }
        if (!isRequest(member.message)) continue;
        const refusal = batchMemberRefusal(member.message);
        if (refusal) answers[index] = refusal;
        else pending.push({ index, request: member.message });
    }
    await mapBounded(pending, batchConcurrency, async ({ index, request }) => {
        answers[index] = await answer(request);
    });
    return answers.filter((a) => a !== undefined);
}
