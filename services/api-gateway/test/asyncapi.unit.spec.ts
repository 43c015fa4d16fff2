import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import {
  AUTH_EVENTS,
  DOCUMENT_EVENTS,
  eventSubject,
  JOB_RUN_EVENTS,
  JOB_SCHEDULE_EVENTS,
  JOB_TYPES,
  MEMORY_EVENTS,
  pingOperation,
  routes,
  SERVICES,
  SOURCE_EVENTS,
  USER_EVENTS,
} from "@tessera/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildAsyncApiDocument } from "../src/app/asyncapi.ts";
import { CATALOG_PATH, catalogText } from "../src/write-catalog.ts";

const DocumentSchema = z.object({
  channels: z.record(z.string(), z.object({ address: z.string().nullable() })),
  operations: z.record(z.string(), z.object({ action: z.enum(["send", "receive"]) })),
  components: z.object({ messages: z.record(z.string(), z.object({ payload: z.unknown() })) }),
});

const document = buildAsyncApiDocument();
const parsed = DocumentSchema.parse(document);
const addresses = new Set(Object.values(parsed.channels).map((channel) => channel.address));

async function problems(value: object): Promise<string[]> {
  const diagnostics = await new Parser().validate(JSON.stringify(value));
  return diagnostics.map(
    (diagnostic) => `${diagnostic.code}: ${diagnostic.message} at ${diagnostic.path.join(".")}`,
  );
}

describe("the AsyncAPI catalog (docs/asyncapi.json)", () => {
  it("is what `npm run catalog` writes from the contracts today", () => {
    expect(
      readFileSync(CATALOG_PATH, "utf8") === catalogText(),
      "docs/asyncapi.json is stale: run `npm run catalog`",
    ).toBe(true);
  });

  it("validates with the AsyncAPI parser without a single diagnostic", async () => {
    expect(await problems(document)).toEqual([]);
  }, 60_000);

  it("is checked for real: the parser refuses an operation on a channel that does not exist", async () => {
    const broken = structuredClone(document) as { operations: Record<string, { channel: unknown }> };
    const [first] = Object.values(broken.operations);
    if (first) first.channel = { $ref: "#/channels/no-such-channel" };
    expect((await problems(broken)).length).toBeGreaterThan(0);
  }, 60_000);

  it("has a channel for every published event, every routed operation, every ping and every job type", () => {
    const events = [
      ...AUTH_EVENTS,
      ...USER_EVENTS,
      ...MEMORY_EVENTS,
      ...SOURCE_EVENTS,
      ...DOCUMENT_EVENTS,
      ...JOB_RUN_EVENTS,
      ...JOB_SCHEDULE_EVENTS,
    ];
    const expected = [
      ...events.map((event) => eventSubject(event.type)),
      ...routes.map((route) => route.operation.subject),
      ...SERVICES.map((service) => pingOperation(service).subject),
      ...JOB_TYPES.map((job) => job.subject),
    ];
    expect(expected.filter((subject) => !addresses.has(subject))).toEqual([]);
  });

  it("gives every event message the envelope with its own type, version and data schema", () => {
    const payload = z
      .object({
        properties: z.object({
          type: z.object({ const: z.string() }),
          version: z.object({ const: z.number() }),
          data: z.object({ properties: z.record(z.string(), z.unknown()) }),
          eventId: z.unknown(),
          metadata: z.unknown(),
        }),
      })
      .parse(parsed.components.messages["auth-account-registered-v1"]?.payload);
    expect(payload.properties.type.const).toBe("auth.account.registered");
    expect(payload.properties.version.const).toBe(1);
    expect(Object.keys(payload.properties.data.properties)).toContain("accountId");
  });
});
