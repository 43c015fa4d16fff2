import {
  decodeCursor,
  JOB_TYPES,
  type MessageContext,
  pageOf,
  type Run,
  type runsGet,
  type runsList,
} from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requirePlatformAdmin } from "@tessera/service-kit";
import { z } from "zod";
import { runDecider } from "../domain/decide-run.ts";
import { RunNotFoundError } from "../domain/errors.ts";
import { runStreamId } from "../domain/run.ts";
import { findRun, listRuns, projectRunEvents, toRunView } from "../infra/runs.ts";
import type { JobsDeps } from "./deps.ts";
import { dispatchNow } from "./queue-run.ts";

type RunIdRequest = z.output<typeof runsGet.request>;

const RunCursorSchema = z.object({ queuedAt: z.iso.datetime(), runId: z.uuid() });

/** `svc.job-scheduler.runs.get` */
export function getRun(deps: JobsDeps) {
  return async (request: RunIdRequest, ctx: MessageContext): Promise<Run> => {
    requirePlatformAdmin(ctx);
    return loadRunView(deps, request.runId);
  };
}

/** `svc.job-scheduler.runs.list`: newest first, by type and status. */
export function listRunsHandler(deps: JobsDeps) {
  return async (request: z.output<typeof runsList.request>, ctx: MessageContext) => {
    requirePlatformAdmin(ctx);
    const rows = await listRuns(deps.db, {
      type: request.type,
      status: request.status,
      limit: request.limit + 1,
      after: decodeCursor(RunCursorSchema, request.cursor),
    });
    return pageOf(rows, request.limit, toRunView, (row) => ({
      queuedAt: row.queued_at.toISOString(),
      runId: row.run_id,
    }));
  };
}

/** `svc.job-scheduler.runs.cancel`: the run ends as `cancelled`; workers skip it or abort its attempt. */
export function cancelRun(deps: JobsDeps) {
  return async (request: RunIdRequest, ctx: MessageContext): Promise<Run> => {
    requirePlatformAdmin(ctx);
    await handleCommand(
      deps.store,
      runDecider,
      runStreamId(request.runId),
      { type: "CancelRun", data: { runId: request.runId }, meta: { now: deps.clock() } },
      { inline: [projectRunEvents], metadata: eventMetadata(ctx) },
    );
    await deps.cancelled.put(request.runId, deps.clock().toISOString());
    return loadRunView(deps, request.runId);
  };
}

/** `svc.job-scheduler.runs.replay`: a dead run is queued again as a new generation, attempts from 1. */
export function replayRun(deps: JobsDeps) {
  return async (request: RunIdRequest, ctx: MessageContext): Promise<Run> => {
    requirePlatformAdmin(ctx);
    const { events } = await handleCommand(
      deps.store,
      runDecider,
      runStreamId(request.runId),
      { type: "ReplayRun", data: { runId: request.runId }, meta: { now: deps.clock() } },
      { inline: [projectRunEvents], metadata: eventMetadata(ctx) },
    );
    const queued = events[0];
    const type = JOB_TYPES.find((candidate) => candidate.name === queued?.data.jobType);
    if (queued?.type === "job-scheduler.run.queued" && type) await dispatchNow(deps, type, queued.data, ctx);
    return loadRunView(deps, request.runId);
  };
}

async function loadRunView(deps: JobsDeps, runId: string): Promise<Run> {
  const row = await findRun(deps.db, runId);
  if (!row) throw new RunNotFoundError(runId);
  return toRunView(row);
}
