import {
  type CreatedSource,
  type Schedule,
  schedulesList,
  schedulesTrigger,
  sourcesDelete,
  sourcesUpdate,
} from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduleNameOf } from "../src/app/source-schedules.ts";
import { eventually, member } from "./support.ts";
import {
  fakeSource,
  itemRevisions,
  runReaches,
  type SyncStack,
  seedConversations,
  startSyncStack,
} from "./sync-support.ts";

let stack: SyncStack;

beforeAll(async () => {
  stack = await startSyncStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** Every schedule the scheduler has for `source`, as a platform admin lists them. */
async function schedulesOf(source: CreatedSource): Promise<Schedule[]> {
  const found: Schedule[] = [];
  for (let cursor: string | null | undefined; cursor !== null; ) {
    const page = await stack.h.caller.request(
      schedulesList,
      { limit: 100, ...(cursor ? { cursor } : {}) },
      systemContext("test"),
    );
    found.push(...page.items.filter((schedule) => schedule.name === scheduleNameOf(source.id)));
    cursor = page.nextCursor;
  }
  return found;
}

/** The source's schedules once `check` holds for them. */
function schedulesUntil(source: CreatedSource, check: (schedules: Schedule[]) => boolean) {
  return eventually(async () => {
    const schedules = await schedulesOf(source);
    return check(schedules) ? schedules : undefined;
  });
}

function update(source: CreatedSource, change: Record<string, unknown>) {
  return stack.h.caller.request(
    sourcesUpdate,
    { projectId: source.projectId, sourceId: source.id, ...change },
    member(source.projectId),
  );
}

describe("a Chatwoot source's own schedule", () => {
  it("follows the source's config.schedule through create, change, pause, resume, removal and deletion", async () => {
    const source = await fakeSource(stack, { inboxIds: [71], schedule: "0 * * * *" });
    const [created] = await schedulesUntil(source, (schedules) => schedules.length === 1);
    expect(created).toMatchObject({
      cron: "0 * * * *",
      timezone: "UTC",
      jobType: "ingestion.sync",
      payload: { projectId: source.projectId, sourceId: source.id },
      overlap: "skip",
      status: "active",
    });

    await update(source, { config: { schedule: "*/5 * * * *" } });
    await schedulesUntil(source, (s) => s.length === 1 && s[0]?.cron === "*/5 * * * *");
    await update(source, { paused: true });
    await schedulesUntil(source, (s) => s.length === 1 && s[0]?.status === "paused");
    await update(source, { paused: false });
    await schedulesUntil(source, (s) => s.length === 1 && s[0]?.status === "active");
    await update(source, { config: { schedule: null } });
    await schedulesUntil(source, (s) => s.length === 0);

    await update(source, { config: { schedule: "30 2 * * *" } });
    await schedulesUntil(source, (s) => s.length === 1 && s[0]?.cron === "30 2 * * *");
    await stack.h.caller.request(
      sourcesDelete,
      { projectId: source.projectId, sourceId: source.id },
      member(source.projectId),
    );
    await schedulesUntil(source, (s) => s.length === 0);
  });

  it("syncs the source when its schedule fires", async () => {
    const conversations = seedConversations(stack.fake, 2, { inboxId: 72, activityAt: 1_970_000_000 });
    const source = await fakeSource(stack, { inboxIds: [72], schedule: "0 0 1 1 *" });
    const [schedule] = await schedulesUntil(source, (s) => s.length === 1);
    if (!schedule) throw new Error("no schedule");
    const { runId } = await stack.h.caller.request(
      schedulesTrigger,
      { scheduleId: schedule.id },
      systemContext("test"),
    );
    expect((await runReaches(stack, runId, ["succeeded", "dead"])).status).toBe("succeeded");
    expect((await itemRevisions(stack, source.id)).size).toBe(conversations.length * 3);
  });
});
