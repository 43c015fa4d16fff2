/**
 * What the gateway benches share: load from autocannon in its own process (so the load generator
 * never shares an event loop with what it measures), and a registered account whose profile the
 * user service has projected, to read `GET /v1/users/me` with.
 */
import { type ChildProcess, execFile } from "node:child_process";
import { join } from "node:path";
import { z } from "zod";

const AUTOCANNON = join(import.meta.dirname, "..", "..", "node_modules", "autocannon", "autocannon.js");

export const LoadResultSchema = z.object({
  /** `average` is per second; `sent` counts requests cut off by the end of the run too. */
  requests: z.object({ average: z.number(), total: z.number(), sent: z.number() }),
  latency: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  "2xx": z.number(),
  non2xx: z.number(),
  errors: z.number(),
  timeouts: z.number(),
  /** Responses by HTTP status, e.g. `{ "200": { count: 9120 } }`. */
  statusCodeStats: z.record(z.string(), z.object({ count: z.number() })),
});
export type LoadResult = z.infer<typeof LoadResultSchema>;

export interface LoadOptions {
  /** Duration, in s. */
  seconds: number;
  connections: number;
  /** Requests per second in all; unset: as fast as answers come. */
  rate?: number;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
}

/** Runs autocannon against `url`; `started` is told its process, e.g. to time something during the run. */
export async function autocannon(
  url: string,
  opts: LoadOptions,
  started?: (child: ChildProcess) => void,
): Promise<LoadResult> {
  const args = [AUTOCANNON, "-j", "-d", String(opts.seconds), "-c", String(opts.connections)];
  if (opts.rate !== undefined) args.push("-R", String(opts.rate));
  if (opts.token !== undefined) args.push("-H", `authorization=Bearer ${opts.token}`);
  args.push(url);
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
    started?.(child);
  });
  return LoadResultSchema.parse(JSON.parse(output));
}

/** Failed requests of a run: non-2xx answers, connection errors and client time-outs. */
export function failuresOf(result: LoadResult): number {
  return result.non2xx + result.errors + result.timeouts;
}

/**
 * Registers a fresh account through the gateway and waits until its profile answers 200 (the user
 * service projects it from the registration event). Returns its access token and the profile's URL.
 */
export async function accountWithProfile(
  gatewayUrl: string,
): Promise<{ accessToken: string; meUrl: string }> {
  const registered = await fetch(`${gatewayUrl}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `bench.${Date.now()}@example.com`,
      password: "correct horse battery staple",
    }),
  });
  const { accessToken } = z.object({ accessToken: z.string() }).parse(await registered.json());
  const meUrl = `${gatewayUrl}/v1/users/me`;
  for (
    let tries = 0;
    (await fetch(meUrl, { headers: { authorization: `Bearer ${accessToken}` } })).status !== 200;
    tries++
  ) {
    if (tries > 100) throw new Error("the profile never appeared");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { accessToken, meUrl };
}
