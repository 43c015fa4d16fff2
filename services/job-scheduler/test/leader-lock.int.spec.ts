import { connect, createServer, type Server, type Socket } from "node:net";
import { createTestDatabase, type TestDatabase } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLeaderLock, type LeaderLock } from "../src/infra/leader-lock.ts";
import { waitFor } from "./support.ts";

/** A TCP proxy to Postgres that can stop passing bytes while keeping both connections open: a partition. */
interface FreezableProxy {
  readonly url: string;
  freeze(): void;
  close(): Promise<void>;
}

async function startProxy(databaseUrl: string): Promise<FreezableProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((downstream) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      sockets.add(from);
      from.on("data", (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on("end", () => {
        if (!frozen) to.end();
      });
      from.on("error", () => to.destroy());
    }
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no proxy port");
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);
  return {
    url: url.toString(),
    freeze: () => {
      frozen = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let database: TestDatabase;
let proxy: FreezableProxy;
const locks: LeaderLock[] = [];
const ignore = () => {};
const options = { queryTimeoutMs: 500, idleSessionTimeoutMs: 1_500 };

beforeAll(async () => {
  database = await createTestDatabase("jobs-leader-lock");
  proxy = await startProxy(database.url);
});

afterAll(async () => {
  for (const lock of locks) await lock.release();
  await proxy?.close();
  await database?.drop();
});

describe("the scheduler's leader lock", () => {
  it("lets another replica lead once the leader is cut off from the database, and the cut-off one gives up instead of hanging", async () => {
    const partitioned = createLeaderLock(proxy.url, ignore, options);
    const standby = createLeaderLock(database.url, ignore, options);
    locks.push(partitioned, standby);
    expect(await partitioned.ensure()).toBe(true);
    expect(await standby.ensure()).toBe(false);

    proxy.freeze();
    // The old leader's check fails at its query time-out rather than waiting for TCP.
    expect(await partitioned.ensure()).toBe(false);
    // The server ends the silent session, which frees the lock for the standby.
    await waitFor(async () => ((await standby.ensure()) ? true : undefined), "the standby to lead", 15_000);
    expect(await partitioned.ensure()).toBe(false);
  });
});
