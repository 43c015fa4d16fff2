import { randomUUID } from "node:crypto";
import { ConflictError, ProblemSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import { createSlowThing, gatewayRoutes, neverAnswers } from "./support/test-routes.ts";

/** How the slow service ends a held request. */
type Ending = "create" | "refuse";

let harness: Harness;
const namespace = testNamespace("gwwrite");
/** Every request the slow service started, by name: a second entry for a name is a second run. */
const started: string[] = [];
/** Requests held by the slow service until the test ends them. */
const held = new Map<string, (ending: Ending) => void>();
/** How the next request of a name ends at once, when the test said so before it arrived. */
const preset = new Map<string, Ending>();

/** Ends the held request of `name`, or the next one at once. */
function end(name: string, ending: Ending): void {
  const release = held.get(name);
  held.delete(name);
  if (release) release(ending);
  else preset.set(name, ending);
}

beforeAll(async () => {
  harness = await startHarness(namespace, gatewayRoutes);
  harness.services.memory.serve(createSlowThing, async ({ name }) => {
    started.push(name);
    const ready = preset.get(name);
    preset.delete(name);
    const ending = ready ?? (await new Promise<Ending>((resolve) => held.set(name, resolve)));
    if (ending === "refuse") throw new ConflictError("test.refused", "The service refused it.");
    return { id: randomUUID(), name };
  });
});

afterAll(async () => {
  for (const name of [...held.keys()]) end(name, "refuse");
  await harness?.close();
});

const runs = (name: string) => started.filter((startedName) => startedName === name).length;

function createSlow(name: string, key?: string, app: FastifyInstance = harness.app) {
  return app.inject({
    method: "POST",
    url: "/v1/test/slow-things",
    remoteAddress: "198.51.100.20",
    headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
    payload: JSON.stringify({ name }),
  });
}

/** Repeats `send` while it answers 409 `idempotency.in_flight` (the first request still runs). */
async function retryWhileInFlight(send: () => Promise<LightMyRequestResponse>) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await send();
    const inFlight =
      response.statusCode === 409 && ProblemSchema.parse(response.json()).code === "idempotency.in_flight";
    if (!inFlight || Date.now() > deadline) return response;
  }
}

function problemOf(response: LightMyRequestResponse) {
  return ProblemSchema.parse(response.json());
}

describe("a write the service answers after the gateway's time-out", () => {
  it("says the outcome is unknown and a retry with the same key is safe; the retry replays the late outcome", async () => {
    const key = randomUUID();
    const timedOut = await createSlow("late one", key);
    expect(timedOut.statusCode).toBe(504);
    const problem = problemOf(timedOut);
    expect(problem.code).toBe("upstream.timeout");
    expect(problem.detail).toMatch(/whether the change was made is unknown/);
    expect(problem.detail).toMatch(/Retrying with the same Idempotency-Key and body is safe/);

    const retry = retryWhileInFlight(() => createSlow("late one", key));
    end("late one", "create");
    const replayed = await retry;
    expect(replayed.statusCode).toBe(201);
    expect(replayed.headers["idempotent-replayed"]).toBe("true");
    expect(createSlowThing.response.parse(replayed.json()).name).toBe("late one");
    expect(runs("late one")).toBe(1);

    const later = await createSlow("late one", key);
    expect(later.json()).toEqual(replayed.json());
    expect(runs("late one")).toBe(1);
  });

  it("frees the key when the late reply is a refusal, so the retry runs the write again", async () => {
    const key = randomUUID();
    expect((await createSlow("refused once", key)).statusCode).toBe(504);
    end("refused once", "refuse");
    end("refused once", "create");
    const retry = retryWhileInFlight(() => createSlow("refused once", key));
    const created = await retry;
    expect(created.statusCode).toBe(201);
    expect(created.headers["idempotent-replayed"]).toBeUndefined();
    expect(runs("refused once")).toBe(2);
  });

  it("tells a write without a key that a retry is safe only if repeating it is harmless", async () => {
    const response = await createSlow("no key");
    expect(response.statusCode).toBe(504);
    const { code, detail } = problemOf(response);
    expect(code).toBe("upstream.timeout");
    expect(detail).toMatch(/whether the change was made is unknown/);
    expect(detail).toMatch(/no Idempotency-Key, so a retry may make the change a second time/);
    end("no key", "create");
  });

  it("leaves the 504 of a read as it was", async () => {
    const response = await harness.app.inject({ url: "/v1/test/never" });
    expect(response.statusCode).toBe(504);
    expect(problemOf(response).detail).toBe(
      `The service behind ${neverAnswers.subject} did not answer in time.`,
    );
  });
});

describe("a write whose reply never comes", () => {
  it("answers the retry 409 idempotency.outcome_unknown once the gateway stops waiting, and never sends it again", async () => {
    const gateway = await harness.gateway({ IDEMPOTENCY_OUTCOME_WAIT_MS: "200" });
    const sent = harness.nc.subscribe(`${namespace}.${neverAnswers.subject}`);
    const key = randomUUID();
    const send = () =>
      gateway.inject({ method: "POST", url: "/v1/test/never", headers: { "idempotency-key": key } });

    const timedOut = await send();
    expect(timedOut.statusCode).toBe(504);
    expect(problemOf(timedOut).detail).toMatch(/same Idempotency-Key and body is safe/);
    const retry = await retryWhileInFlight(send);
    expect(retry.statusCode).toBe(409);
    expect(problemOf(retry).code).toBe("idempotency.outcome_unknown");
    expect(sent.getReceived()).toBe(1);
    sent.unsubscribe();
  });
});
