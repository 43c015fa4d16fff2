import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLeaderLock, type LeaderLock } from "../src/infra/leader-lock.ts";
import { waitFor } from "./support.ts";

let database: TestDatabase;
let proxy: TcpProxy;
const locks: LeaderLock[] = [];
const ignore = () => {};
const options = { queryTimeoutMs: 500, idleSessionTimeoutMs: 1_500 };

beforeAll(async () => {
  database = await createTestDatabase("jobs-leader-lock");
  proxy = await startTcpProxy(database.url);
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
