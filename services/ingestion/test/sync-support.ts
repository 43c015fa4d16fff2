import { randomUUID } from "node:crypto";
import {
  type CreatedSource,
  pingOperation,
  type Run,
  runsGet,
  sourcesCreate,
  sourcesSync,
} from "@tessera/contracts";
import { type Logger, systemContext } from "@tessera/service-kit";
import { type InProcessService, startInProcess } from "@tessera/testing";
import { sql } from "kysely";
// The real scheduler, in this process: runs, retries and schedules are its, not a stand-in's.
import { jobSchedulerConfigSchema } from "../../job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../job-scheduler/src/service.ts";
import type { SyncHooks } from "../src/app/register-sync.ts";
import { type FakeChatwoot, startFakeChatwoot } from "./fake-chatwoot.ts";
import { eventually, type IngestionHarness, member, startIngestion, testKeyRing } from "./support.ts";

export const FAKE_TOKEN = "cw-token-8c1f4e2d9a";
export const ACCOUNT_ID = 7;

/** Short, fixed retry delays: a failed attempt is tried again within a second. */
export const QUICK_RETRIES: SyncHooks["retryOverride"] = {
  maxAttempts: 5,
  initialDelayMs: 300,
  factor: 1,
  maxDelayMs: 300,
  jitter: 0,
};

export interface SyncStack {
  h: IngestionHarness;
  readonly scheduler: InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>>;
  readonly fake: FakeChatwoot;
  /** The environment the ingestion service was started with (a restart reuses it). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** A fake Chatwoot, the ingestion service allowed to reach it, and the real job scheduler. */
export async function startSyncStack(
  options: { env?: Record<string, string>; sync?: SyncHooks; logger?: Logger } = {},
): Promise<SyncStack> {
  const fake = await startFakeChatwoot({ accountId: ACCOUNT_ID, token: FAKE_TOKEN });
  const env = {
    INGESTION_SECRET_KEYS: testKeyRing(),
    EGRESS_ALLOW_HOSTS: fake.hostPort,
    INGESTION_CHATWOOT_OVERLAP_SECONDS: "60",
    ...options.env,
  };
  const h = await startIngestion({
    env,
    sync: { retryOverride: QUICK_RETRIES, ...options.sync },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const scheduler = await startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: (config) => startJobSchedulerService(config),
    namespace: h.service.namespace,
  });
  await eventually(() =>
    h.caller.request(pingOperation("job-scheduler"), {}, systemContext("test")).then(
      () => true,
      () => undefined,
    ),
  );
  const stack: SyncStack = {
    h,
    scheduler,
    fake,
    env,
    async stop() {
      await scheduler.stop();
      await stack.h.stop();
      await fake.stop();
    },
  };
  return stack;
}

/** A Chatwoot source on the fake, created by a project owner. */
export async function fakeSource(
  stack: SyncStack,
  config: Record<string, unknown> = {},
  projectId: string = randomUUID(),
): Promise<CreatedSource> {
  return stack.h.caller.request(
    sourcesCreate,
    {
      projectId,
      type: "chatwoot",
      name: "Support",
      config: { baseUrl: stack.fake.url, accountId: ACCOUNT_ID, apiAccessToken: FAKE_TOKEN, ...config },
    },
    member(projectId),
  );
}

/** `POST …/sources/{id}/sync` as a project admin: the run's id. */
export async function syncNow(stack: SyncStack, source: CreatedSource): Promise<string> {
  const { runId } = await stack.h.caller.request(
    sourcesSync,
    { projectId: source.projectId, sourceId: source.id },
    member(source.projectId, "admin"),
  );
  return runId;
}

export function runOf(stack: SyncStack, runId: string): Promise<Run> {
  return stack.h.caller.request(runsGet, { runId }, systemContext("test"));
}

/** The run once it is in one of `statuses`. */
export function runReaches(
  stack: SyncStack,
  runId: string,
  statuses: readonly Run["status"][],
  timeoutMs = 30_000,
): Promise<Run> {
  return eventually(async () => {
    const run = await runOf(stack, runId);
    return statuses.includes(run.status) ? run : undefined;
  }, timeoutMs);
}

/** Syncs and waits until the run succeeded; throws with the run's error when it died. */
export async function syncToEnd(stack: SyncStack, source: CreatedSource): Promise<Run> {
  const run = await runReaches(stack, await syncNow(stack, source), ["succeeded", "dead"]);
  if (run.status !== "succeeded") throw new Error(`sync run ${run.status}: ${run.error}`);
  return run;
}

/** Every item of a source with its revision, by external id (read straight from the read model). */
export async function itemRevisions(stack: SyncStack, sourceId: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ external_id: string; revision: number }>`
    select external_id, revision from ingestion.items where source_id = ${sourceId}
  `.execute(stack.h.service.database.db);
  return new Map(rows.map((row) => [row.external_id, row.revision]));
}

/** How many events of `type` each external id of a source has in the store. */
export async function eventsPerItem(
  stack: SyncStack,
  type: string,
  sourceId: string,
): Promise<Map<string, number>> {
  const { rows } = await sql<{ external_id: string; count: number }>`
    select data ->> 'externalId' as external_id, count(*)::int as count from ingestion.events
     where type = ${type} and data ->> 'sourceId' = ${sourceId} group by 1
  `.execute(stack.h.service.database.db);
  return new Map(rows.map((row) => [row.external_id, row.count]));
}

/** The source's committed cursor, as (activity seconds, display id). */
export async function cursorOf(
  stack: SyncStack,
  sourceId: string,
): Promise<{ activityAt: number; conversationId: number } | null> {
  const { rows } = await sql<{ activity: string | null; conversation: string | null }>`
    select cursor_activity_at as activity, cursor_conversation_id as conversation
      from ingestion.chatwoot_sync_state where source_id = ${sourceId}
  `.execute(stack.h.service.database.db);
  const row = rows[0];
  if (!row || row.activity === null || row.conversation === null) return null;
  return { activityAt: Number(row.activity), conversationId: Number(row.conversation) };
}

/** Conversations with one incoming message from their contact and one agent reply each. */
export function seedConversations(
  fake: FakeChatwoot,
  count: number,
  spec: { inboxId: number; activityAt: number },
) {
  return Array.from({ length: count }, () => {
    const conversation = fake.addConversation(spec);
    fake.addMessage(conversation, { messageType: 0, content: `Hello from ${conversation.id}` });
    fake.addMessage(conversation, { messageType: 1, content: `Reply to ${conversation.id}` });
    return conversation;
  });
}
