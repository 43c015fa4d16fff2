/**
 * Container health check: exits 0 when this container's service answers, 1 otherwise.
 *
 * A service with an HTTP port (deploy/services.json `port`) is asked GET <health.live> on it;
 * any other service is asked `svc.<service>.ping` over NATS. The ping goes to the service's queue
 * group, so with several replicas it shows that the service answers, not that this replica does.
 *
 *   node /app/deploy/docker/healthcheck.ts [live|ready]    (service from $TESSERA_SERVICE)
 */
import { readFileSync } from "node:fs";
import { connect, headers } from "@nats-io/transport-node";
import { splitCredentials } from "@tessera/bus";

interface Spec {
  name: string;
  port: number | null;
  health?: { live: string; ready: string };
}

const TIMEOUT_MS = 3_000;

function fail(reason: string): never {
  console.error(`healthcheck: ${reason}`);
  process.exit(1);
}

async function checkHttp(spec: Spec, kind: "live" | "ready"): Promise<void> {
  const port = process.env.PORT ?? String(spec.port);
  const path = spec.health?.[kind] ?? "/health";
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) fail(`GET ${path} answered ${res.status}`);
}

async function checkNats(spec: Spec): Promise<void> {
  // NATS_URL may carry the service's NATS user (the prod overlay's); the client reads it only as options.
  const { servers, credentials } = splitCredentials(
    (process.env.NATS_URL ?? "nats://127.0.0.1:4222").split(","),
  );
  const prefix = process.env.BUS_NAMESPACE ? `${process.env.BUS_NAMESPACE}.` : "";
  const subject = `${prefix}svc.${spec.name}.ping`;
  const nc = await connect({
    servers,
    ...credentials,
    name: `${spec.name}-healthcheck`,
    timeout: TIMEOUT_MS,
  });
  try {
    const h = headers();
    h.set("x-request-id", crypto.randomUUID());
    h.set("x-actor", "system:healthcheck");
    const reply = await nc.request(subject, "{}", { timeout: TIMEOUT_MS, headers: h });
    const body = reply.json<{ ok?: boolean }>();
    if (body.ok !== true) fail(`${subject} answered ${reply.string()}`);
  } finally {
    await nc.close();
  }
}

const name = process.env.TESSERA_SERVICE ?? fail("TESSERA_SERVICE is not set");
const kind = process.argv[2] === "ready" ? "ready" : "live";
const manifest = JSON.parse(readFileSync(new URL("../services.json", import.meta.url), "utf8")) as {
  services: Spec[];
};
const spec = manifest.services.find((s) => s.name === name) ?? fail(`${name} is not in deploy/services.json`);

try {
  if (spec.port) await checkHttp(spec, kind);
  else await checkNats(spec);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
