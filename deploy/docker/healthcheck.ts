/**
 * Container health check: exits 0 when this container's own ops port answers 200, 1 otherwise.
 *
 * GET http://127.0.0.1:$OPS_PORT/livez (or /readyz with `ready`): the replica in this container
 * answers for itself, never a sibling (decision 0068). Without OPS_PORT, the service's `opsPort`
 * in deploy/services.json.
 *
 *   node /app/deploy/docker/healthcheck.ts [live|ready]    (service from $TESSERA_SERVICE)
 */
import { readFileSync } from "node:fs";

const TIMEOUT_MS = 3_000;

function fail(reason: string): never {
  console.error(`healthcheck: ${reason}`);
  process.exit(1);
}

function opsPort(): string {
  if (process.env.OPS_PORT) return process.env.OPS_PORT;
  const name = process.env.TESSERA_SERVICE ?? fail("neither OPS_PORT nor TESSERA_SERVICE is set");
  const manifest = JSON.parse(readFileSync(new URL("../services.json", import.meta.url), "utf8")) as {
    services: { name: string; opsPort: number }[];
  };
  const spec =
    manifest.services.find((s) => s.name === name) ?? fail(`${name} is not in deploy/services.json`);
  return String(spec.opsPort);
}

const path = process.argv[2] === "ready" ? "/readyz" : "/livez";
try {
  const response = await fetch(`http://127.0.0.1:${opsPort()}${path}`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) fail(`GET ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
