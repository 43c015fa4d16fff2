import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus } from "@tessera/bus";
import { type EventEnvelope, jwksGet, meGet, opsOperations } from "@tessera/contracts";
import { handleOnce, migrateEventStore } from "@tessera/eventstore";
import {
  eventually,
  freePort,
  type InProcessService,
  startInProcess,
  startNatsServer,
  TEST_NATS_URL,
  testNamespace,
} from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { authConfigSchema } from "../../../services/auth/src/config.ts";
import { startAuthService } from "../../../services/auth/src/service.ts";
import { userConfigSchema } from "../../../services/user/src/config.ts";
import { profileStreamId } from "../../../services/user/src/domain/profile.ts";
import { startUserService } from "../../../services/user/src/service.ts";
import { runCliProcess, silent } from "./support.ts";

const namespace = testNamespace("cliops");
const names = busNames(namespace);
const env = { NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: namespace };
let auth: InProcessService<Awaited<ReturnType<typeof startAuthService>>>;
let user: InProcessService<Awaited<ReturnType<typeof startUserService>>>;
let nc: NatsConnection;
let caller: Bus;

const cli = (...args: string[]) => runCliProcess(env, ...args);
const asUser = (userId: string) => ({ requestId: randomUUID(), actor: userId });

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  auth = await startInProcess({ configSchema: authConfigSchema, start: startAuthService, namespace });
  user = await startInProcess({ configSchema: userConfigSchema, start: startUserService, namespace });
  caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
});

afterAll(async () => {
  await user?.stop();
  await auth?.stop();
  await nc?.close();
});

/** An account as auth announces it; the user service makes its profile. */
async function registerUser(): Promise<string> {
  const userId = randomUUID();
  const envelope: EventEnvelope = {
    eventId: randomUUID(),
    type: "auth.account.registered",
    version: 1,
    streamId: `account-${userId}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data: {
      accountId: userId,
      email: `cli.${userId.slice(0, 8)}@example.com`,
      registeredAt: new Date().toISOString(),
    },
    metadata: { requestId: randomUUID(), actor: userId },
  };
  await jetstream(nc).publish(names.subject("evt.auth.account.registered"), JSON.stringify(envelope), {
    msgID: envelope.eventId,
  });
  await eventually(() => caller.request(meGet, {}, asUser(userId)).catch(() => undefined));
  return userId;
}

async function profileCount(userIds: string[]): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    select count(*)::int as count from users.profiles where user_id = any(${userIds}::uuid[])`.execute(
    user.database.db,
  );
  return rows[0]?.count ?? 0;
}

describe("npm run cli -- projection", () => {
  it("lists the user service's read model and rebuilds it after its tables were emptied", async () => {
    const listed = await cli("projection", "list", "user");
    expect(listed).toEqual({ code: 0, stdout: "user-read-model\n", stderr: "" });

    const userIds = [await registerUser(), await registerUser()];
    await sql`truncate users.profiles, users.projects, users.memberships, users.invitations`.execute(
      user.database.db,
    );
    expect(await profileCount(userIds)).toBe(0);

    const rebuilt = await cli("projection", "rebuild", "user", "user-read-model");
    expect(rebuilt.stderr).toBe("");
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(/^rebuilt user-read-model of user: \d+ event\(s\) replayed in \d+ ms\n$/);
    expect(await profileCount(userIds)).toBe(2);
    expect((await caller.request(meGet, {}, asUser(userIds[0] ?? ""))).id).toBe(userIds[0]);
  });

  it("names the projections there are when asked for one that is not", async () => {
    const result = await cli("projection", "rebuild", "user", "nope");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "projection rebuild failed: ops.projection_not_found: No rebuildable projection nope here (there are: user-read-model).\n",
    );
  });
});

describe("npm run cli -- events republish", () => {
  it("makes a consumer see the events again, and an idempotent one handle each once", async () => {
    const probeSchema = `cliprobe${namespace}`;
    const db = user.database.db;
    await migrateEventStore(db, { schema: probeSchema });
    const deliveries: string[] = [];
    const effects: string[] = [];
    const probeNc = await connect({ servers: TEST_NATS_URL });
    const probe = createBus(probeNc, { service: "memory", namespace, logger: silent });
    try {
      await probe.consume({
        name: "cli-republish-probe",
        stream: "user",
        filterSubjects: ["evt.user.>"],
        handler: async (envelope) => {
          deliveries.push(envelope.eventId);
          await handleOnce(
            db,
            { schema: probeSchema, consumer: "probe", eventId: envelope.eventId },
            async () => {
              effects.push(envelope.eventId);
            },
          );
        },
      });
      const userId = await registerUser();
      const { rows } = await sql<{ event_id: string; global_position: string }>`
        select event_id::text, global_position::text from users.events
         where stream_id = ${profileStreamId(userId)} order by global_position`.execute(db);
      const first = rows[0];
      if (first === undefined) throw new Error("the profile has no events");
      await eventually(() => (deliveries.includes(first.event_id) ? true : undefined), {
        what: "first copy",
      });

      const result = await cli("events", "republish", "user", "--from", first.global_position);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^republished [1-9]\\d* event\\(s\\) of user from position ${first.global_position}`),
      );

      await eventually(
        () => (deliveries.filter((id) => id === first.event_id).length === 2 ? true : undefined),
        { what: "the republished copy", timeoutMs: 10_000 },
      );
      expect(effects.filter((id) => id === first.event_id)).toEqual([first.event_id]);
    } finally {
      await probe.close();
    }
  });

  it("refuses a position that is not a number, with the usage and exit 2", async () => {
    const result = await cli("events", "republish", "user", "--from", "ten");
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "--from must be a global position (a whole number)\nusage: npm run cli -- events republish <service> --from <position> [options]\n",
    });
  });
});

describe("npm run cli -- dlq", () => {
  it("lists and shows a dead letter, and replays it to its consumer, which handles it", async () => {
    const subject = "job.cli-dlq-probe";
    let healed = false;
    const handled: number[] = [];
    const sideNc = await connect({ servers: TEST_NATS_URL });
    // A consumer of the user service (same service name, same namespace): its letters are user's.
    const side = createBus(sideNc, { service: "user", namespace, logger: silent });
    try {
      await side.consume<{ n: number }>({
        name: "cli-dlq-probe",
        stream: "JOBS",
        filterSubjects: [subject],
        schema: z.object({ n: z.number() }),
        maxDeliver: 1,
        handler: async (payload: { n: number }) => {
          if (!healed) throw new Error("not yet");
          handled.push(payload.n);
        },
      });
      await jetstream(nc).publish(names.subject(subject), JSON.stringify({ n: 7 }));
      const letter = await eventually(async () => (await side.deadLetters.list({ limit: 200 })).items[0], {
        what: "the dead letter",
      });

      const listed = await cli("dlq", "list", "user");
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`user ${letter.seq}  `);
      expect(listed.stdout).toContain("user--cli-dlq-probe");
      expect(listed.stdout).toContain(`${subject} (${names.stream("JOBS")} #`);
      expect(listed.stdout).toContain("Error: not yet");

      const shown = await cli("dlq", "show", "user", String(letter.seq));
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('{"n":7}');

      healed = true;
      const replayed = await cli("dlq", "replay", "user", String(letter.seq));
      expect(replayed.stderr).toBe("");
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toMatch(
        new RegExp(
          `^replayed dead letter user ${letter.seq} to ${subject} \\(${names.stream("JOBS")} #\\d+\\)\\n$`,
        ),
      );
      await eventually(() => (handled.length > 0 ? true : undefined), { what: "the replayed message" });
      expect(handled).toEqual([7]);
      expect((await side.deadLetters.list({ limit: 200 })).items).toEqual([]);

      const gone = await cli("dlq", "show", "user", String(letter.seq));
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain("bus.dead_letter_not_found");
    } finally {
      await side.close();
    }
  });
});

describe("npm run cli -- migrations status", () => {
  it("lists the applied migrations of a service, the event store's and its own", async () => {
    const result = await cli("migrations", "status", "user");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^user \(schema users\): \d+ applied, 0 pending\n/);
    expect(result.stdout).toMatch(
      / {2}\d{4}-\d\d-\d\dT\S+ {2}eventstore {2}2026_11_21_0001_create_event_store\n/,
    );
    expect(result.stdout).toMatch(/ {2}\d{4}-\d\d-\d\dT\S+ {2}service {5}2026_11_21_0001_create_profiles\n/);
  });

  it("asks every service without a name, and names those that do not answer (exit 1)", async () => {
    const result = await cli("migrations", "status");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("auth (schema auth)");
    expect(result.stdout).toContain("user (schema users)");
    expect(result.stderr).toContain("no memory is answering svc.memory.ops.migrations.list\n");
    expect(result.stderr).toContain("no job-scheduler is answering svc.job-scheduler.ops.migrations.list\n");
  });
});

describe("npm run cli -- keys rotate", () => {
  it("makes a new signing key that the JWKS carries at once, and retires the active one", async () => {
    const before = (await caller.request(jwksGet, {}, { requestId: randomUUID() })).keys.map(
      (key) => key.kid,
    );
    const result = await cli("keys", "rotate");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const match = /^made signing key (\S+); it signs from (\S+); retired: (.+)\n$/.exec(result.stdout);
    expect(match).not.toBeNull();
    const [, kid = "", , retired = ""] = match ?? [];
    expect(before).not.toContain(kid);
    expect(retired.split(", ")).toEqual(before);
    const after = (await caller.request(jwksGet, {}, { requestId: randomUUID() })).keys.map((key) => key.kid);
    expect(after).toEqual([kid, ...before]);
  });
});

describe("the ops operations", () => {
  it("refuse a signed-in user, however the request reaches them", async () => {
    await expect(
      caller.request(opsOperations("user").migrationsList, {}, asUser(randomUUID())),
    ).rejects.toMatchObject({ code: "auth.forbidden" });
  });
});

describe("when the stack is not there", () => {
  it("says NATS did not answer, with exit 1", async () => {
    const port = await freePort();
    const result = await runCliProcess(
      { NATS_URL: `nats://127.0.0.1:${port}` },
      "migrations",
      "status",
      "user",
    );
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `NATS at nats://127.0.0.1:${port} did not answer: is the stack running? (npm start)\n`,
    });
  });

  it("says NATS refused the sign-in for a wrong password, without printing it", async () => {
    const server = await startNatsServer({ args: ["--user", "operator", "--pass", "right-password"] });
    try {
      const url = server.url.replace("nats://", "nats://operator:wrong-password@");
      const result = await runCliProcess({ NATS_URL: url }, "keys", "rotate");
      expect(result).toEqual({
        code: 1,
        stdout: "",
        stderr: `NATS at nats://***@127.0.0.1:${server.port} refused the sign-in: check the user and password in NATS_URL\n`,
      });
    } finally {
      await server.stop();
    }
  });

  it("names the service that is not answering, with exit 1", async () => {
    const result = await runCliProcess(
      { NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: testNamespace("nobody") },
      "projection",
      "list",
      "user",
    );
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: "no user is answering svc.user.ops.projections.list\n",
    });
  });
});
