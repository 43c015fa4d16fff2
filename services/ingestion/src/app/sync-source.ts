import {
  ingestionSyncJob,
  jobsEnqueue,
  type MessageContext,
  RemoteError,
  type sourcesSync,
} from "@tessera/contracts";
import { scopedProject, systemContext } from "@tessera/service-kit";
import type { z } from "zod";
import {
  SourceNotFoundError,
  SourcePausedError,
  SyncUnavailableError,
  SyncUnsupportedError,
} from "../domain/source-errors.ts";
import { findSource } from "../infra/sources.ts";
import { requireSourceAdmin, type SourcesDeps } from "./sources-deps.ts";

/** The scheduler's answer for a job type no running worker has announced. */
const UNKNOWN_JOB_TYPE = "job.unknown_type";

/**
 * `svc.ingestion.sources.sync`: queues `ingestion.sync` for a Chatwoot source through the
 * job-scheduler, as the platform (`system:ingestion`) with the caller's request id and trace. The
 * scheduler takes only job types a running worker announced; until the connector's worker runs,
 * it refuses, and so does this (503 `ingestion.sync_unavailable`, nothing queued).
 */
export function syncSource(deps: Pick<SourcesDeps, "db" | "bus">) {
  return async (
    request: z.output<typeof sourcesSync.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof sourcesSync.response>> => {
    requireSourceAdmin(ctx);
    const projectId = scopedProject(request, ctx);
    const { sourceId } = request;
    const source = await findSource(deps.db, projectId, sourceId);
    if (!source) throw new SourceNotFoundError(sourceId);
    if (source.type !== "chatwoot") throw new SyncUnsupportedError();
    if (source.paused) throw new SourcePausedError();
    const asPlatform: MessageContext = {
      ...systemContext("ingestion"),
      requestId: ctx.requestId,
      ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    };
    try {
      return await deps.bus.request(
        jobsEnqueue,
        { jobType: ingestionSyncJob.name, payload: { projectId, sourceId } },
        asPlatform,
      );
    } catch (error) {
      if (error instanceof RemoteError && error.code === UNKNOWN_JOB_TYPE) {
        throw new SyncUnavailableError({ cause: error });
      }
      throw error;
    }
  };
}
