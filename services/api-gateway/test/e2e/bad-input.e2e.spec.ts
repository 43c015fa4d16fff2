import { randomUUID } from "node:crypto";
import { connectNats, createBus, headersFromContext } from "@tessera/bus";
import { memoriesRecord, ProblemSchema, replySchema } from "@tessera/contracts";
import { stackClient, TEST_NATS_URL, uniqueEmail } from "@tessera/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";

// Strings Postgres cannot store and times outside its range, in every kind of field and place:
// each is a 400 naming the field, never a 500 from the database underneath.

const ADMIN_EMAIL = uniqueEmail("bad-input.admin");
const stack = useStack({ env: { BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL } });
const { call, register, eventually } = stackClient(() => stack.gatewayUrl);
const projectionWait = { timeoutMs: 15_000, intervalMs: 150 };

const NUL = "nul\u0000here";
const LONE_HIGH = "high\uD800surrogate";
const LONE_LOW = "\uDC00low";
const YEAR_ZERO = "0000-06-01T00:00:00Z";

let user: string;
let admin: string;
let projectId: string;

beforeAll(async () => {
  admin = (await register({ email: ADMIN_EMAIL })).accessToken;
  user = (await register()).accessToken;
  const created = await eventually(
    () => call("POST", "/v1/projects", user, { name: "Bad input" }),
    (status) => status === 404,
    projectionWait,
  );
  expect(created.status).toBe(201);
  projectId = z.object({ id: z.uuid() }).parse(await created.json()).id;
  const types = await eventually(
    () => call("GET", "/v1/admin/jobs/types", admin),
    (status) => status === 403 || status === 404,
    projectionWait,
  );
  expect(types.status).toBe(200);
});

async function expectFieldError(response: Response, field: string): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(400);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const problem = ProblemSchema.parse(JSON.parse(text));
  expect(problem.code).toBe("validation.failed");
  expect(problem.errors?.map((error) => error.field)).toContain(field);
}

const memories = () => `/v1/projects/${projectId}/memories`;

describe("strings Postgres cannot store", () => {
  it.each([
    ["a NUL", NUL],
    ["a lone high surrogate", LONE_HIGH],
    ["a lone low surrogate", LONE_LOW],
  ])("are refused with 400 in body fields (%s)", async (_kind, bad) => {
    await expectFieldError(await call("POST", "/v1/projects", user, { name: bad }), "name");
    await expectFieldError(await call("POST", memories(), user, { content: bad }), "content");
    await expectFieldError(
      await call("POST", `${memories()}/search`, user, { query: `tea ${bad}` }),
      "query",
    );
    await expectFieldError(
      await call("POST", `/v1/projects/${projectId}/collections`, user, { name: bad }),
      "name",
    );
    await expectFieldError(await call("PATCH", "/v1/users/me", user, { displayName: bad }), "displayName");
  });

  it("are refused at any depth of a JSON field, in values and in keys", async () => {
    await expectFieldError(
      await call("POST", memories(), user, { content: "ok", metadata: { nested: { deep: [1, NUL] } } }),
      "metadata.nested.deep.1",
    );
    await expectFieldError(
      await call("POST", memories(), user, { content: "ok", metadata: { [LONE_HIGH]: true } }),
      // The field names the key without repeating what cannot be stored.
      "metadata.high\uFFFDsurrogate",
    );
    await expectFieldError(
      await call("PATCH", "/v1/users/me", user, { preferences: { theme: { name: NUL } } }),
      "preferences.theme.name",
    );
    await expectFieldError(
      await call(
        "POST",
        "/v1/admin/jobs/hello_world",
        admin,
        { payload: { name: NUL } },
        { "idempotency-key": randomUUID() },
      ),
      "payload.name",
    );
  });

  it("are refused in passwords, so two different inputs never hash alike", async () => {
    const response = await call("POST", "/v1/auth/register", undefined, {
      email: uniqueEmail("surrogate"),
      password: `correct horse ${LONE_HIGH}`,
    });
    await expectFieldError(response, "password");
  });

  // A query string or path is UTF-8 on the wire, which cannot carry a lone surrogate; a NUL it can.
  it("are refused in query strings and path parameters", async () => {
    await expectFieldError(await call("GET", "/v1/admin/jobs/runs?type=hello%00world", admin), "type");
    await expectFieldError(
      await call("POST", "/v1/admin/jobs/hello%00world", admin, {}, { "idempotency-key": randomUUID() }),
      "jobType",
    );
  });

  it("are refused in a NATS request that never went through the gateway", async () => {
    const nc = await connectNats({ servers: TEST_NATS_URL, name: "bad-input-test", logger: silent });
    try {
      // Sent as raw JSON: the bus's own request() validates before sending, as a producer should.
      const subject = createBus(nc, {
        service: "api-gateway",
        namespace: stack.namespace,
        logger: silent,
      }).names.subject(memoriesRecord.subject);
      const headers = headersFromContext({ requestId: randomUUID(), actor: randomUUID(), projectId });
      const reply = await nc.request(subject, JSON.stringify({ projectId, content: NUL }), {
        headers,
        timeout: 10_000,
      });
      const answer = replySchema(memoriesRecord.response).parse(reply.json());
      expect(answer.ok).toBe(false);
      if (answer.ok) return;
      expect(answer.error).toMatchObject({ status: 400, code: "validation.failed" });
      expect(answer.error.errors?.map((field) => field.field)).toContain("content");
    } finally {
      await nc.drain();
    }
  });
});

describe("times outside the stored range", () => {
  it("are refused with 400 in every time field", async () => {
    await expectFieldError(
      await call("POST", memories(), user, { content: "ok", validFrom: YEAR_ZERO }),
      "validFrom",
    );
    await expectFieldError(
      await call("POST", memories(), user, { content: "ok", validTo: YEAR_ZERO }),
      "validTo",
    );
    // An offset that carries a valid-looking local time into year 0 in UTC.
    await expectFieldError(
      await call("POST", memories(), user, { content: "ok", validFrom: "0001-01-01T00:30:00+01:00" }),
      "validFrom",
    );
    await expectFieldError(
      await call("POST", `${memories()}/search`, user, { query: "tea", createdAfter: YEAR_ZERO }),
      "createdAfter",
    );
    await expectFieldError(
      await call(
        "POST",
        "/v1/admin/jobs/hello_world",
        admin,
        { runAt: YEAR_ZERO },
        { "idempotency-key": randomUUID() },
      ),
      "runAt",
    );
  });

  it("refuse a validity window that ends before it begins", async () => {
    await expectFieldError(
      await call("POST", memories(), user, {
        content: "ok",
        validFrom: "2030-01-02T00:00:00Z",
        validTo: "2030-01-01T00:00:00Z",
      }),
      "validTo",
    );
    const recorded = await call("POST", memories(), user, { content: "Ada drinks tea" });
    expect(recorded.status).toBe(201);
    const { id } = z.object({ id: z.uuid() }).parse(await recorded.json());
    await expectFieldError(
      await call("PATCH", `${memories()}/${id}`, user, { validTo: "2001-01-01T00:00:00Z" }),
      "validTo",
    );
  });

  it("accept the earliest and latest times", async () => {
    const response = await call("POST", memories(), user, {
      content: "Kept from the first year to the last",
      validFrom: "0001-01-01T00:00:00Z",
      validTo: "9999-12-31T23:59:59.999Z",
    });
    expect(response.status, await response.clone().text()).toBe(201);
  });
});

const silent = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
