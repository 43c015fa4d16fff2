import { randomUUID } from "node:crypto";
import {
  ChunkPageSchema,
  CreateDocumentResponse,
  DocumentPageSchema,
  DocumentSchema,
  ProblemSchema,
  SearchMemoriesResponse,
} from "@tessera/contracts";
import { stackClient } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";
import { LINK_TOKEN_ENV, verifyEmail } from "../support/verified-email.ts";

const stack = useStack({ env: LINK_TOKEN_ENV });
const client = stackClient(() => stack.gatewayUrl);
const { call, signUp, eventually } = client;
/** Memberships reach the gateway's checks asynchronously; this is how long to wait. */
const projectionWait = { timeoutMs: 15_000 };

async function newProject(token: string, name: string): Promise<string> {
  const created = await eventually(
    () => call("POST", "/v1/projects", token, { name }),
    (status) => status === 404,
    projectionWait,
  );
  expect(created.status).toBe(201);
  return z.object({ id: z.uuid() }).parse(await created.json()).id;
}

/** GET the document until `done` says so (chunking and embedding run after the 202). */
async function documentWhen(token: string, path: string, done: (status: string) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await call("GET", path, token);
    expect(response.status).toBe(200);
    const document = DocumentSchema.parse(await response.json());
    if (done(document.status) || Date.now() > deadline) return document;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const GUIDE = [
  "# Onboarding guide",
  "## Accounts",
  "Every new hire gets a laptop and an account on the first morning. IT sets up the password manager.",
  "## Expenses",
  "Submit travel receipts within thirty days through the finance portal; the reimbursement follows with the next salary.",
  "## Security",
  "Report a lost badge to the front desk at once. Lock your screen whenever you leave your desk.",
].join("\n\n");

describe("documents through the gateway", () => {
  it("takes a Markdown document from upload to searchable, and a search hit leads back to its document and offsets", async () => {
    const owner = await signUp();
    const outsider = await signUp();
    const projectId = await newProject(owner.accessToken, "Handbooks");
    const documents = `/v1/projects/${projectId}/documents`;

    const key = randomUUID();
    const body = {
      title: "Onboarding",
      contentType: "text/markdown",
      content: GUIDE,
      externalId: "onboarding",
    };
    const posted = await eventually(
      () => call("POST", documents, owner.accessToken, body, { "idempotency-key": key }),
      (status) => status === 404,
      projectionWait,
    );
    expect(posted.status).toBe(202);
    const created = CreateDocumentResponse.parse(await posted.json());
    expect(created.status).toBe("received");
    const replayed = await call("POST", documents, owner.accessToken, body, { "idempotency-key": key });
    expect(replayed.status).toBe(202);
    expect(CreateDocumentResponse.parse(await replayed.json())).toEqual(created);

    const document = await documentWhen(
      owner.accessToken,
      `${documents}/${created.id}`,
      (s) => s === "indexed",
    );
    expect(document).toMatchObject({
      id: created.id,
      title: "Onboarding",
      contentType: "text/markdown",
      status: "indexed",
      error: null,
      externalId: "onboarding",
    });
    expect(document.chunks).toBeGreaterThan(0);
    expect(document.indexedChunks).toBe(document.chunks);
    const listed = DocumentPageSchema.parse(await (await call("GET", documents, owner.accessToken)).json());
    expect(listed.items.map((item) => item.id)).toEqual([created.id]);

    const searched = await call("POST", `/v1/projects/${projectId}/memories/search`, owner.accessToken, {
      query: "when are travel receipts reimbursed",
      mode: "hybrid",
      limit: 3,
    });
    expect(searched.status).toBe(200);
    const hit = SearchMemoriesResponse.parse(await searched.json()).items[0]?.memory;
    expect(hit?.content).toContain("Submit travel receipts within thirty days");
    expect(hit?.sourceRefs).toContainEqual({ kind: "document", id: created.id });
    const chunkId = hit?.sourceRefs.find((ref) => ref.kind === "ingestion_chunk")?.id;
    const chunks = ChunkPageSchema.parse(
      await (await call("GET", `${documents}/${created.id}/chunks`, owner.accessToken)).json(),
    );
    const chunk = chunks.items.find((candidate) => candidate.id === chunkId);
    expect(chunk).toMatchObject({
      memoryId: hit?.id,
      headingPath: ["Onboarding guide", "Expenses"],
      indexed: true,
    });
    // The offsets point into the text that was sent (Markdown is its own text).
    expect(GUIDE.slice(chunk?.start, chunk?.end)).toBe(hit?.content);

    for (const [method, path] of [
      ["GET", `${documents}/${created.id}`],
      ["GET", `${documents}/${created.id}/chunks`],
      ["GET", documents],
      ["DELETE", `${documents}/${created.id}`],
    ] as const) {
      const hidden = await call(method, path, outsider.accessToken, undefined, {
        "idempotency-key": randomUUID(),
      });
      expect(hidden.status, `${method} ${path}`).toBe(404);
      expect(ProblemSchema.parse(await hidden.json()).code).toBe("project.not_found");
    }
    const planted = await call("POST", documents, outsider.accessToken, body, {
      "idempotency-key": randomUUID(),
    });
    expect(planted.status).toBe(404);

    const deleted = await call("DELETE", `${documents}/${created.id}`, owner.accessToken, undefined, {
      "idempotency-key": randomUUID(),
    });
    expect(deleted.status).toBe(202);
    expect((await call("GET", `${documents}/${created.id}`, owner.accessToken)).status).toBe(404);
    const forgotten = await eventually(
      async () => {
        const response = await call(
          "GET",
          `/v1/projects/${projectId}/memories/${hit?.id}`,
          owner.accessToken,
        );
        return response;
      },
      (status) => status === 200,
      { timeoutMs: 30_000 },
    );
    expect(forgotten.status).toBe(404);
  });

  it("answers bad posts with problems: a wrong body 400, an unsupported type 415, a viewer 403", async () => {
    const owner = await signUp();
    const viewer = await signUp();
    const projectId = await newProject(owner.accessToken, "Guarded documents");
    const documents = `/v1/projects/${projectId}/documents`;

    const missing = await eventually(
      () =>
        call(
          "POST",
          documents,
          owner.accessToken,
          { contentType: "text/plain" },
          { "idempotency-key": randomUUID() },
        ),
      (status) => status === 404,
      projectionWait,
    );
    expect(missing.status).toBe(400);
    expect(ProblemSchema.parse(await missing.json()).errors?.map((error) => error.field)).toContain(
      "content",
    );
    const wrongType = await call(
      "POST",
      documents,
      owner.accessToken,
      { contentType: "application/pdf", content: "x" },
      { "idempotency-key": randomUUID() },
    );
    expect(wrongType.status).toBe(400);
    const image = await fetch(`${stack.gatewayUrl}${documents}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${owner.accessToken}`,
        "content-type": "image/png",
        "idempotency-key": randomUUID(),
      },
      body: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    });
    expect(image.status).toBe(415);

    const invited = await call("POST", `/v1/projects/${projectId}/invitations`, owner.accessToken, {
      email: viewer.user.email,
      role: "viewer",
    });
    expect(invited.status).toBe(201);
    const { id: invitationId } = z.object({ id: z.uuid() }).parse(await invited.json());
    await verifyEmail(stack, client, viewer.user.id);
    expect((await call("POST", `/v1/invitations/${invitationId}/accept`, viewer.accessToken)).status).toBe(
      200,
    );
    const reads = await eventually(
      () => call("GET", documents, viewer.accessToken),
      (status) => status === 404,
      projectionWait,
    );
    expect(reads.status).toBe(200);
    const write = await call(
      "POST",
      documents,
      viewer.accessToken,
      { contentType: "text/plain", content: "Not for viewers." },
      { "idempotency-key": randomUUID() },
    );
    expect(write.status).toBe(403);
    expect(ProblemSchema.parse(await write.json()).code).toBe("auth.forbidden");
  });
});
