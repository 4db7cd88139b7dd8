/** The part of autocannon's API the benchmark uses (the package ships no types). */
declare module "autocannon" {
    /** A request as autocannon builds it; `setupRequest` may change it before each send. */
    interface RequestParams {
        method?: string;
        path?: string;
        headers: Record<string, string>;
        body?: string | Buffer;
    }
    interface Options {
        url: string;
        connections: number;
        duration: number;
        method: "POST" | "GET";
        headers?: Record<string, string>;
        body?: string;
        pipelining?: number;
        /** Requests sent in turn; one with `setupRequest` is built anew for each send. */
        requests?: { setupRequest?: (request: RequestParams) => RequestParams }[];
    }
    interface Histogram {
        average: number;
        mean: number;
        p50: number;
        p90: number;
        p99: number;
        max: number;
    }
    interface Result {
        requests: Histogram & { total: number };
        latency: Histogram;
        throughput: Histogram;
        errors: number;
        timeouts: number;
        non2xx: number;
        duration: number;
    }
    function autocannon(options: Options): Promise<Result>;
    export = autocannon;
}
