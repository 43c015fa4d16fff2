import { meGet, ReadinessSchema } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually } from "../src/eventually.ts";
import { type PrivateNatsServer, startNatsServer } from "../src/nats-server.ts";
import { type Stack, startStack } from "../src/stack.ts";

const ConnzSchema = z.object({
  connections: z.array(
    z.object({
      name: z.string().optional(),
      subscriptions_list_detail: z
        .array(z.object({ subject: z.string(), qgroup: z.string().optional() }))
        .optional(),
    }),
  ),
});

let nats: PrivateNatsServer;
let stack: Stack;

beforeAll(async () => {
  nats = await startNatsServer({ monitoring: true, args: ["-js"] });
  // At info, each process says when it has started (a service stopped before that is not drained).
  stack = await startStack({
    services: ["api-gateway", "auth", "user"],
    env: { NATS_URL: nats.url, LOG_LEVEL: "info" },
  });
});

afterAll(async () => {
  await nats?.stop();
});

/** Connections of the private server whose subscriptions include `subject` in a queue group. */
async function queueSubscribers(subject: string): Promise<number> {
  const response = await fetch(`${nats.monitoringUrl}/connz?subs=detail`);
  const { connections } = ConnzSchema.parse(await response.json());
  return connections.filter((connection) =>
    connection.subscriptions_list_detail?.some((sub) => sub.subject === subject && sub.qgroup === "user"),
  ).length;
}

describe("a stack of some of the services", () => {
  it("starts only those, and is ready once each of them says so on its ops port", async () => {
    expect(stack.processes("user")).toHaveLength(1);
    expect(stack.processes("memory")).toHaveLength(0);
    const user = ReadinessSchema.parse(await (await fetch(`${stack.opsUrl("user")}/readyz`)).json());
    expect(user.status).toBe("ok");
    // The gateway's own readiness does not depend on which services run.
    expect((await fetch(`${stack.gatewayUrl}/ready`)).status).toBe(200);
    expect(stack.opsUrl("memory")).toBe("");
  });

  it("runs another replica of a service in the same queue group, and SIGTERM stops every process cleanly", async () => {
    const subject = `${stack.namespace}.${meGet.subject}`;
    expect(await queueSubscribers(subject)).toBe(1);
    const replica = stack.addReplica("user");
    expect(stack.processes("user")).toEqual([expect.anything(), replica]);
    await eventually(async () => ((await queueSubscribers(subject)) === 2 ? true : undefined), {
      what: "a second user replica serving me.get",
    });
    // Output comes in chunks, each prefixed with its process: stay inside user#2's.
    const started = /\[user#2\] [^\n]*(?:\n(?!\[)[^\n]*)*"service started"/;
    await eventually(() => (started.test(stack.logs()) ? true : undefined), {
      what: "the second user replica's start",
    });
    const codes = await stack.stop();
    expect(codes, stack.logs()).toEqual({ "api-gateway": 0, auth: 0, user: 0, "user#2": 0 });
  });
});
