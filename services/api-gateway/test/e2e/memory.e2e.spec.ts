import {
  MemoryHistoryResponse,
  MemorySchema,
  ProblemSchema,
  RecordMemoryResponse,
  SearchMemoriesResponse,
} from "@tessera/contracts";
import { stackClient } from "@tessera/testing";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";

const stack = useStack();

const { call, register, eventually } = stackClient(() => stack.gatewayUrl);
/** Profiles and memberships reach their projections asynchronously; this is how long to wait. */
const projectionWait = { timeoutMs: 15_000 };

async function expectNotFound(response: Response): Promise<void> {
  expect(response.status).toBe(404);
  expect(ProblemSchema.parse(await response.json()).code).toBe("project.not_found");
}

describe("memories through the gateway", () => {
  it("lets a project member record, search and read memories, and hides them from a non-member", async () => {
    const owner = await register();
    const outsider = await register();
    const created = await eventually(
      () => call("POST", "/v1/projects", owner.accessToken, { name: "Travel notes" }),
      (status) => status === 404,
      projectionWait,
    );
    expect(created.status).toBe(201);
    const { id: projectId } = z.object({ id: z.uuid() }).parse(await created.json());
    const memories = `/v1/projects/${projectId}/memories`;

    const recorded = await eventually(
      () =>
        call("POST", memories, owner.accessToken, {
          content: "The user is allergic to peanuts and carries an epinephrine pen",
          tier: "semantic",
          metadata: { topic: "health" },
        }),
      (status) => status === 404,
      projectionWait,
    );
    expect(recorded.status).toBe(201);
    const memory = RecordMemoryResponse.parse(await recorded.json());
    expect(memory).toMatchObject({ result: "created", ownerId: owner.user.id, embedding: "ready" });
    for (const content of [
      "The user prefers window seats on long flights",
      "The user's favourite city is Lisbon",
    ]) {
      expect((await call("POST", memories, owner.accessToken, { content })).status).toBe(201);
    }

    for (const mode of ["hybrid", "keyword", "vector"] as const) {
      const searched = await call("POST", `${memories}/search`, owner.accessToken, {
        query: "allergic to peanuts",
        mode,
      });
      expect(searched.status).toBe(200);
      const { items } = SearchMemoriesResponse.parse(await searched.json());
      expect(items[0]?.memory.id, mode).toBe(memory.id);
      expect(items[0]?.score).toBeGreaterThan(0);
    }
    const read = await call("GET", `${memories}/${memory.id}`, owner.accessToken);
    expect(read.status).toBe(200);
    expect(MemorySchema.parse(await read.json())).toMatchObject({
      id: memory.id,
      content: "The user is allergic to peanuts and carries an epinephrine pen",
    });
    const history = await call("GET", `${memories}/${memory.id}/history`, owner.accessToken);
    expect(MemoryHistoryResponse.parse(await history.json()).items).toHaveLength(1);

    await expectNotFound(await call("GET", `${memories}/${memory.id}`, outsider.accessToken));
    await expectNotFound(
      await call("POST", `${memories}/search`, outsider.accessToken, { query: "allergic to peanuts" }),
    );
    await expectNotFound(await call("GET", `${memories}/${memory.id}/history`, outsider.accessToken));
    await expectNotFound(
      await call("POST", memories, outsider.accessToken, { content: "planted by an outsider" }),
    );
    await expectNotFound(await call("DELETE", `${memories}/${memory.id}`, outsider.accessToken));
    await expectNotFound(await call("GET", `/v1/projects/${projectId}/collections`, outsider.accessToken));

    // The outsider's own project sees nothing of the first one, even when asked for its memory id.
    const own = await eventually(
      () => call("POST", "/v1/projects", outsider.accessToken, { name: "Mine" }),
      (status) => status === 404,
      projectionWait,
    );
    const { id: ownProjectId } = z.object({ id: z.uuid() }).parse(await own.json());
    const searchedOwn = await eventually(
      () =>
        call("POST", `/v1/projects/${ownProjectId}/memories/search`, outsider.accessToken, {
          query: "allergic to peanuts",
        }),
      (status) => status === 404,
      projectionWait,
    );
    expect(searchedOwn.status).toBe(200);
    expect(SearchMemoriesResponse.parse(await searchedOwn.json()).items).toEqual([]);
    const crossRead = await call(
      "GET",
      `/v1/projects/${ownProjectId}/memories/${memory.id}`,
      outsider.accessToken,
    );
    expect(crossRead.status).toBe(404);
  });

  it("has the daily memory.prune schedule registered with the job-scheduler", async () => {
    const deadline = Date.now() + 30_000;
    let schedules: { name: string; job_type: string; status: string }[] = [];
    while (Date.now() < deadline) {
      ({ rows: schedules } = await sql<{ name: string; job_type: string; status: string }>`
        select name, job_type, status from jobs.schedules where job_type = 'memory.prune'
      `.execute(stack.database.db));
      if (schedules.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(schedules).toEqual([{ name: "memory.prune", job_type: "memory.prune", status: "active" }]);
  });
});
