import { randomUUID } from "node:crypto";
import { createBus } from "@tessera/bus";
import {
  type CreatedSource,
  ingestionSyncJob,
  pingOperation,
  runsGet,
  runsList,
  sourcesCreate,
  sourcesSync,
  sourcesUpdate,
} from "@tessera/contracts";
import { announceJobType, openJobTypeRegistry } from "@tessera/jobs";
import { systemContext } from "@tessera/service-kit";
import { type InProcessService, startInProcess } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The real scheduler, in this process: the sync route is only as good as what the scheduler accepts.
import { jobSchedulerConfigSchema } from "../../job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../job-scheduler/src/service.ts";
import { eventually, type IngestionHarness, member, refusal, silent, startIngestion } from "./support.ts";

let h: IngestionHarness;
let scheduler: InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>>;

beforeAll(async () => {
  h = await startIngestion();
  scheduler = await startInProcess({
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
});

afterAll(async () => {
  await scheduler?.stop();
  await h?.stop();
});

async function chatwootSource(projectId = randomUUID()): Promise<CreatedSource> {
  return h.caller.request(
    sourcesCreate,
    {
      projectId,
      type: "chatwoot",
      name: "Support",
      config: { baseUrl: `https://${randomUUID()}.chatwoot.example`, accountId: 1, apiAccessToken: "t" },
    },
    member(projectId),
  );
}

describe("syncing a source", () => {
  it("queues a run through the scheduler once the service's worker announced ingestion.sync, and answers 503 with nothing queued while none has", async () => {
    const source = await chatwootSource();
    const request = { projectId: source.projectId, sourceId: source.id };
    const { runId } = await h.caller.request(sourcesSync, request, member(source.projectId, "admin"));
    const run = await h.caller.request(runsGet, { runId }, systemContext("test"));
    expect(run).toMatchObject({ id: runId, jobType: "ingestion.sync" });
    expect(run.payload).toEqual({ projectId: source.projectId, sourceId: source.id });

    // As if no worker had started: the announcement is gone, so the scheduler refuses the type.
    const registry = await openJobTypeRegistry(
      createBus(h.nc, { service: "ingestion", namespace: h.service.namespace, logger: silent }),
    );
    await registry.delete(ingestionSyncJob.name);
    try {
      const refused = await refusal(h.caller.request(sourcesSync, request, member(source.projectId)));
      expect(refused).toMatchObject({ status: 503, code: "ingestion.sync_unavailable" });
      const { items } = await h.caller.request(runsList, { limit: 100 }, systemContext("test"));
      expect(items.filter((queued) => queued.jobType === ingestionSyncJob.name)).toHaveLength(1);
    } finally {
      await announceJobType(
        registry,
        ingestionSyncJob,
        { timeoutMs: ingestionSyncJob.timeoutMs, retry: ingestionSyncJob.retry },
        new Date(),
      );
    }
  });

  it("refuses other source types and paused sources with 409, and members who are not admins with 403", async () => {
    const projectId = randomUUID();
    const webhook = await h.caller.request(
      sourcesCreate,
      { projectId, type: "webhook", name: "Hooks" },
      member(projectId),
    );
    const unsupported = await refusal(
      h.caller.request(sourcesSync, { projectId, sourceId: webhook.id }, member(projectId)),
    );
    expect(unsupported).toMatchObject({ status: 409, code: "ingestion.sync_unsupported" });

    const source = await chatwootSource(projectId);
    await h.caller.request(
      sourcesUpdate,
      { projectId, sourceId: source.id, paused: true },
      member(projectId),
    );
    const paused = await refusal(
      h.caller.request(sourcesSync, { projectId, sourceId: source.id }, member(projectId)),
    );
    expect(paused).toMatchObject({ status: 409, code: "ingestion.source_paused" });
    const asMember = await refusal(
      h.caller.request(sourcesSync, { projectId, sourceId: source.id }, member(projectId, "member")),
    );
    expect(asMember.status).toBe(403);
  });
});
