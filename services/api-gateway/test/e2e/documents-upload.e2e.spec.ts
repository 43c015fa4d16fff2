import { randomUUID } from "node:crypto";
import {
  ChunkPageSchema,
  CreateDocumentResponse,
  DocumentSchema,
  SearchMemoriesResponse,
} from "@tessera/contracts";
import { stackClient } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { writePdf } from "../../../ingestion/test/support/pdf.ts";
import { useStack } from "../support/stack.ts";

// Needs the gateway's raw-body transport (routes with `rawBody`): the file itself is the body.
const stack = useStack();
const { call, signUp, eventually } = stackClient(() => stack.gatewayUrl);

async function upload(token: string, path: string, contentType: string, body: Uint8Array): Promise<Response> {
  return fetch(`${stack.gatewayUrl}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": contentType,
      "idempotency-key": randomUUID(),
    },
    body,
  });
}

describe("uploading a file as the document's body", () => {
  it("reads an uploaded PDF page by page and makes it searchable, with the title and external id from the query", async () => {
    const owner = await signUp();
    const created = await eventually(
      () => call("POST", "/v1/projects", owner.accessToken, { name: "Reports" }),
      (status) => status === 404,
      { timeoutMs: 15_000 },
    );
    const { id: projectId } = z.object({ id: z.uuid() }).parse(await created.json());
    const documents = `/v1/projects/${projectId}/documents`;
    const pdf = writePdf([
      ["Quarterly report.", "Revenue grew in every region."],
      ["Outlook: the harbour warehouse opens in spring."],
    ]);
    const posted = await eventually(
      () => upload(owner.accessToken, `${documents}?title=Q3%20report&externalId=q3`, "application/pdf", pdf),
      (status) => status === 404,
      { timeoutMs: 15_000 },
    );
    expect(posted.status).toBe(202);
    const { id } = CreateDocumentResponse.parse(await posted.json());

    const deadline = Date.now() + 60_000;
    let document = DocumentSchema.parse(
      await (await call("GET", `${documents}/${id}`, owner.accessToken)).json(),
    );
    while (document.status !== "indexed" && document.status !== "failed" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      document = DocumentSchema.parse(
        await (await call("GET", `${documents}/${id}`, owner.accessToken)).json(),
      );
    }
    expect(document).toMatchObject({
      status: "indexed",
      title: "Q3 report",
      externalId: "q3",
      contentType: "application/pdf",
      bytes: pdf.byteLength,
    });
    const chunks = ChunkPageSchema.parse(
      await (await call("GET", `${documents}/${id}/chunks`, owner.accessToken)).json(),
    );
    expect(chunks.items.map((chunk) => chunk.headingPath)).toEqual([["page 1"], ["page 2"]]);

    const searched = await call("POST", `/v1/projects/${projectId}/memories/search`, owner.accessToken, {
      query: "harbour warehouse",
      mode: "keyword",
    });
    const hit = SearchMemoriesResponse.parse(await searched.json()).items[0]?.memory;
    expect(hit?.content).toContain("harbour warehouse opens in spring");
    expect(hit?.sourceRefs).toContainEqual({ kind: "document", id });

    const markdown = await upload(
      owner.accessToken,
      `${documents}?title=Notes`,
      "text/markdown; charset=utf-8",
      new TextEncoder().encode("# Notes\n\nPlain notes, uploaded as a file."),
    );
    expect(markdown.status).toBe(202);
  });
});
