import { setTimeout as sleep } from "node:timers/promises";
import type { ingestionSyncJob } from "@tessera/contracts";
import type { JobContext, JobHandler } from "@tessera/jobs";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import type { z } from "zod";
import { ChatwootRequestError } from "../domain/chatwoot-errors.ts";
import { syncScope } from "../domain/chatwoot-sync.ts";
import { SourceNotFoundError } from "../domain/source-errors.ts";
import { chatwootApi } from "../infra/chatwoot-api.ts";
import type { SourceRow } from "../infra/sources.tables.ts";
import { findSource } from "../infra/sources.ts";
import { holdOffUntil, openSyncState, type SyncSource } from "../infra/sync-state.ts";
import { type PullRun, type PullTotals, pullConversations } from "./chatwoot-pull.ts";
import { open } from "./secret-box.ts";
import { runSourceCommand } from "./sources-deps.ts";
import type { SyncDeps } from "./sync-deps.ts";

type SyncPayload = z.output<typeof ingestionSyncJob.payload>;

/**
 * `job.ingestion.sync`: pulls a Chatwoot source's new and changed conversations and messages.
 * Any failure (Chatwoot down, slow, 401, 429, a malformed answer) fails the attempt with one line
 * and the job's retry policy runs it again; what was committed is whole batches with their cursor,
 * so the next attempt goes on from there. A deleted or paused source is nothing to sync.
 */
export function syncChatwoot(deps: SyncDeps): JobHandler<SyncPayload> {
  return async (payload, job) => {
    const ref: SyncSource = { projectId: payload.projectId, sourceId: payload.sourceId };
    const row = await findSource(deps.db, ref.projectId, ref.sourceId);
    if (row === undefined || row.settings.type !== "chatwoot" || row.paused) {
      const why = row === undefined ? "deleted" : row.paused ? "paused" : "not a Chatwoot source";
      job.logger.info({ sourceId: ref.sourceId, why }, "nothing to sync");
      return;
    }
    const settings = row.settings;
    const state = await openSyncState(deps.db, ref, syncScope(settings), deps.clock());
    if (state === undefined) return;
    await waitOutRateLimit(deps, state.notBefore, job);
    const run: PullRun = {
      ref,
      source: { id: row.id, projectId: row.project_id, type: row.type },
      settings,
      api: chatwootApi(deps.egress, {
        baseUrl: settings.baseUrl,
        accountId: settings.accountId,
        token: apiToken(deps, row),
      }),
      signal: job.signal,
      message: job.message,
    };
    let totals: PullTotals | "gone";
    try {
      totals = await pullConversations(deps, run, state.cursor);
    } catch (error) {
      await rememberRateLimit(deps, ref, error);
      throw error;
    }
    if (totals === "gone") return;
    await holdOffUntil(deps.db, ref, null);
    await recordSync(deps, ref, job, totals);
    job.logger.info({ sourceId: ref.sourceId, ...totals }, "chatwoot source synced");
  };
}

function apiToken(deps: SyncDeps, row: SourceRow): string {
  const sealed = row.secrets.apiToken;
  if (sealed === null) {
    throw new ChatwootRequestError(
      "unauthorized",
      "The source has no API access token; set config.apiAccessToken.",
    );
  }
  return open(deps.keys, row.id, "api-token", sealed);
}

/**
 * The jobs library retries after its own backoff and takes no delay from the handler, so a 429's
 * `Retry-After` is kept with the source and the next attempt (on whichever replica) waits it out
 * before asking Chatwoot again: at most `maxRateLimitWaitMs`, and never past the attempt's end.
 */
async function waitOutRateLimit(deps: SyncDeps, notBefore: Date | null, job: JobContext): Promise<void> {
  if (notBefore === null) return;
  const waitMs = Math.min(notBefore.getTime() - deps.clock().getTime(), deps.sync.maxRateLimitWaitMs);
  if (waitMs <= 0) return;
  job.logger.info({ waitMs }, "waiting out Chatwoot's Retry-After");
  await sleep(waitMs, undefined, { signal: job.signal });
}

async function rememberRateLimit(deps: SyncDeps, ref: SyncSource, error: unknown): Promise<void> {
  if (!(error instanceof ChatwootRequestError) || error.failure !== "rate_limited") return;
  const seconds = error.retryAfterSeconds;
  if (seconds === undefined || seconds <= 0) return;
  await holdOffUntil(deps.db, ref, new Date(deps.clock().getTime() + seconds * 1_000));
}

/** `lastSyncAt`, through the source's own event; a source deleted meanwhile has none to update. */
async function recordSync(
  deps: SyncDeps,
  ref: SyncSource,
  job: JobContext,
  totals: PullTotals,
): Promise<void> {
  try {
    await runSourceCommand(
      deps.db,
      { type: "RecordSync", data: { ...ref, runId: job.runId, ...totals }, meta: { now: deps.clock() } },
      eventMetadata(job.message, { actor: systemActor("ingestion"), projectId: ref.projectId }),
    );
  } catch (error) {
    if (!(error instanceof SourceNotFoundError)) throw error;
  }
}
