import { randomUUID } from "node:crypto";
import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import { chatwootItemBody, chatwootMessageRecord, chatwootPushItem } from "../src/domain/chatwoot.ts";
import { type SourceEvent, sourceDecider } from "../src/domain/source.ts";
import { bindingsConflict, externalBinding, type SourceSettings } from "../src/domain/source-config.ts";
import { SecretNotRotatableError, SourceNotFoundError } from "../src/domain/source-errors.ts";
import { rotateSigning, verifyingSecrets } from "../src/domain/source-secrets.ts";

const projectId = randomUUID();
const sourceId = randomUUID();
const now = new Date("2030-01-01T00:00:00.000Z");
const sealed = (name: string) => ({ keyId: "k1", ciphertext: name });
const DAY_MS = 86_400_000;

const chatwoot: SourceSettings = {
  type: "chatwoot",
  baseUrl: "https://chat.example.com",
  accountId: 3,
  inboxIds: [1, 2],
  schedule: null,
};

function created(settings: SourceSettings, signing = sealed("s1")): SourceEvent {
  const [event] = sourceDecider.decide(
    {
      type: "CreateSource",
      data: {
        projectId,
        sourceId,
        name: "Inbox",
        settings,
        secrets: { signing: { current: signing, previous: [] }, apiToken: null },
      },
      meta: { now },
    },
    sourceDecider.initialState(),
  );
  if (!event) throw new Error("no event");
  return event;
}

/** The state after `history`, as the store folds it. */
const stateAfter = (history: SourceEvent[]) =>
  history.reduce(sourceDecider.evolve, sourceDecider.initialState());

describe("a source's stream", () => {
  it("publishes only public configuration beside the sealed secrets it keeps", () => {
    const event = created(chatwoot);
    expect(event.type).toBe("ingestion.source.created");
    if (event.type !== "ingestion.source.created") return;
    expect(event.data.config).toEqual({
      baseUrl: "https://chat.example.com",
      accountId: 3,
      inboxIds: [1, 2],
      schedule: null,
      webhookSecretSet: true,
    });
    expect(event.data.secrets.signing?.current).toEqual(sealed("s1"));
  });

  it("rotates a webhook source's secret and keeps the old one verifying for the overlap only", () => {
    const history = [created({ type: "webhook" })];
    const { events } = given(sourceDecider, history)
      .when({
        type: "RotateSecret",
        data: { projectId, sourceId, secret: sealed("s2") },
        meta: { now, overlapMs: DAY_MS },
      })
      .then([
        {
          type: "ingestion.source.secret-rotated",
          data: {
            sourceId,
            projectId,
            secrets: {
              signing: {
                current: sealed("s2"),
                previous: [{ sealed: sealed("s1"), validUntil: "2030-01-02T00:00:00.000Z" }],
              },
              apiToken: null,
            },
            rotatedAt: now.toISOString(),
          },
        },
      ]);
    const rotated = events[0];
    if (rotated?.type !== "ingestion.source.secret-rotated") throw new Error("not rotated");
    const { signing } = rotated.data.secrets;
    expect(verifyingSecrets(signing, new Date(now.getTime() + DAY_MS - 1))).toEqual([
      sealed("s2"),
      sealed("s1"),
    ]);
    expect(verifyingSecrets(signing, new Date(now.getTime() + DAY_MS))).toEqual([sealed("s2")]);
  });

  it("refuses to rotate a Chatwoot source's secret, which Chatwoot chooses", () => {
    given(sourceDecider, [created(chatwoot)])
      .when({
        type: "RotateSecret",
        data: { projectId, sourceId, secret: sealed("s2") },
        meta: { now, overlapMs: 1 },
      })
      .thenThrows(SecretNotRotatableError);
  });

  it("answers a source of another project, or a deleted one, as unknown", () => {
    given(sourceDecider, [created({ type: "webhook" })])
      .when({ type: "DeleteSource", data: { projectId: randomUUID(), sourceId }, meta: { now } })
      .thenThrows(SourceNotFoundError);
    const deleted: SourceEvent = {
      type: "ingestion.source.deleted",
      data: { sourceId, projectId, type: "webhook", deletedAt: now.toISOString() },
    };
    given(sourceDecider, [created({ type: "webhook" }), deleted])
      .when({
        type: "UpdateSource",
        data: { projectId, sourceId, name: "x", secrets: {} },
        meta: { now, overlapMs: 1 },
      })
      .thenThrows(SourceNotFoundError);
  });

  it("merges a configuration patch, clears with null, and decides nothing for no change", () => {
    const history = [created(chatwoot)];
    const [updated] = sourceDecider.decide(
      {
        type: "UpdateSource",
        data: {
          projectId,
          sourceId,
          config: { inboxIds: null, schedule: "*/5 * * * *" },
          secrets: { signing: null },
        },
        meta: { now, overlapMs: DAY_MS },
      },
      stateAfter(history),
    );
    if (updated?.type !== "ingestion.source.updated") throw new Error("not updated");
    expect(updated.data.settings).toEqual({ ...chatwoot, inboxIds: null, schedule: "*/5 * * * *" });
    expect(updated.data.config).toMatchObject({ inboxIds: null, webhookSecretSet: false });
    given(sourceDecider, [...history, updated])
      .when({
        type: "UpdateSource",
        data: { projectId, sourceId, name: "Inbox", config: { accountId: 3 }, secrets: {} },
        meta: { now, overlapMs: DAY_MS },
      })
      .then([]);
  });

  it("keeps at most four rotated-out secrets, dropping expired ones first", () => {
    let signing = rotateSigning(null, sealed("s0"), now, DAY_MS);
    for (let n = 1; n <= 6; n++) signing = rotateSigning(signing, sealed(`s${n}`), now, DAY_MS);
    expect(signing.previous.map((entry) => entry.sealed.ciphertext)).toEqual(["s5", "s4", "s3", "s2"]);
    const later = rotateSigning(signing, sealed("s7"), new Date(now.getTime() + DAY_MS), DAY_MS);
    expect(later.previous.map((entry) => entry.sealed.ciphertext)).toEqual(["s6"]);
  });
});

describe("which external source a Chatwoot source is", () => {
  const bindingOf = (baseUrl: string, accountId = 3, inboxIds: number[] | null = null) =>
    externalBinding({ type: "chatwoot", baseUrl, accountId, inboxIds, schedule: null });

  it("is one account of one installation, however its base URL is spelled", () => {
    const key = bindingOf("https://chat.example.com")?.accountKey;
    for (const spelling of [
      "https://CHAT.example.com/",
      "http://chat.example.com",
      "https://chat.example.com:443//",
    ]) {
      expect(bindingOf(spelling)?.accountKey, spelling).toBe(key);
    }
    expect(bindingOf("https://chat.example.com:8443")?.accountKey).not.toBe(key);
    expect(bindingOf("https://chat.example.com/support")?.accountKey).not.toBe(key);
    expect(bindingOf("https://chat.example.com", 4)?.accountKey).not.toBe(key);
  });

  it("conflicts with another when either reads every inbox or both read one inbox", () => {
    expect(bindingsConflict(["*"], ["5"])).toBe(true);
    expect(bindingsConflict(["5"], ["*"])).toBe(true);
    expect(bindingsConflict(["1", "2"], ["2", "3"])).toBe(true);
    expect(bindingsConflict(["1", "2"], ["3"])).toBe(false);
    expect(bindingsConflict(["1"], [])).toBe(false);
    expect(externalBinding({ type: "webhook" })).toBeNull();
  });
});

describe("Chatwoot records", () => {
  const settings = { baseUrl: "https://chat.example.com", accountId: 3, inboxIds: null, schedule: null };
  const pushed = {
    event: "message_created",
    id: 912,
    content: "Where is my order?",
    content_type: "text",
    message_type: "incoming",
    private: false,
    created_at: "2030-01-01T10:00:00.456Z",
    sender: { id: 44, type: "contact", name: "Ana", email: "ana@example.com" },
    inbox: { id: 2, name: "Site" },
    account: { id: 3, name: "Shop" },
    conversation: { id: 17, inbox_id: 2 },
  };
  const polled = {
    id: 912,
    content: "Where is my order?",
    content_type: "text",
    message_type: 0,
    private: false,
    created_at: Date.parse("2030-01-01T10:00:00Z") / 1000,
    inbox_id: 2,
    conversation_id: 17,
    sender: { id: 44, type: "contact", name: "Ana" },
  };

  it("gives a pushed message and the same message as the API lists it one id and one body", () => {
    const outcome = chatwootPushItem(pushed, settings);
    if (!("stored" in outcome)) throw new Error(`ignored: ${outcome.ignored}`);
    expect(outcome.stored.externalId).toBe("cw:3:msg:912");
    expect(outcome.stored.kind).toBe("message");
    const record = chatwootMessageRecord(3, polled);
    if (!record) throw new Error("no record");
    expect(chatwootItemBody(outcome.stored)).toEqual(
      chatwootItemBody({ externalId: "cw:3:msg:912", kind: "message", record }),
    );
  });

  it("keys conversations by their per-account display id", () => {
    const outcome = chatwootPushItem(
      {
        event: "conversation_status_changed",
        id: 17,
        inbox_id: 2,
        status: "resolved",
        meta: { sender: { id: 44 } },
      },
      settings,
    );
    expect(outcome).toMatchObject({ stored: { externalId: "cw:3:conv:17", kind: "conversation" } });
  });

  it("keeps nothing of other events, other accounts or inboxes the source does not read", () => {
    expect(chatwootPushItem({ ...pushed, event: "contact_created" }, settings)).toEqual({ ignored: "event" });
    expect(chatwootPushItem({ ...pushed, account: { id: 9 } }, settings)).toEqual({ ignored: "account" });
    expect(chatwootPushItem(pushed, { ...settings, inboxIds: [1] })).toEqual({ ignored: "inbox" });
    expect(chatwootPushItem({ event: "message_created" }, settings)).toEqual({ ignored: "incomplete" });
  });
});
