import { randomBytes } from "node:crypto";
import { ContactSchema, MessageSchema } from "@tessera/contracts";
import { eventually, stackClient, TEST_PASSWORD, uniqueEmail } from "@tessera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type SmtpSink, startSmtpSink } from "../../../outbound/test/smtp-sink.ts";
import { useStack } from "../support/stack.ts";

// A real SMTP server in this process; the whole stack sends to it as to any mail server.
let sink: SmtpSink | undefined;
const mailServer = (): SmtpSink => {
  if (!sink) throw new Error("the SMTP server has not started");
  return sink;
};
const stack = useStack(async () => {
  sink = await startSmtpSink();
  return {
    env: {
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      OUTBOUND_FROM: "Tessera <no-reply@mail.example.test>",
      OUTBOUND_APP_URL: "https://app.example.test",
      OUTBOUND_SECRET_KEYS: `e2e:${randomBytes(32).toString("base64url")}`,
      OUTBOUND_EMAIL_INDEX_KEY: randomBytes(32).toString("base64url"),
      // auth seals the reset token with it, outbound opens it: one key for both.
      AUTH_LINK_TOKEN_KEY: `links:${randomBytes(32).toString("base64url")}`,
    },
  };
});
afterAll(async () => {
  await sink?.close();
});
const { call, post, signUp, eventually: eventuallyAnswers } = stackClient(() => stack.gatewayUrl);
const projectionWait = { timeoutMs: 15_000 };

describe("outbound's emails through the whole stack to a real SMTP server", () => {
  it("delivers an approved message with its unsubscribe headers, and records the attempt", async () => {
    const owner = await signUp();
    const project = await eventuallyAnswers(
      () => call("POST", "/v1/projects", owner.accessToken, { name: "Mail" }),
      (status) => status === 404,
      projectionWait,
    );
    const projectId = z.object({ id: z.uuid() }).parse(await project.json()).id;
    const address = uniqueEmail("reader");
    const created = await eventuallyAnswers(
      () =>
        call("POST", `/v1/projects/${projectId}/contacts`, owner.accessToken, {
          email: address,
          name: "Reader",
        }),
      (status) => status === 404,
      projectionWait,
    );
    const contact = ContactSchema.parse(await created.json());
    const draft = MessageSchema.parse(
      await (
        await call("POST", `/v1/projects/${projectId}/messages`, owner.accessToken, {
          channel: "email",
          contactId: contact.id,
          subject: "Your weekly summary",
          text: "Three things happened this week.",
          html: "<p>Three things happened this week.</p>",
        })
      ).json(),
    );
    for (const action of ["submit", "approve"]) {
      const acted = await call(
        "POST",
        `/v1/projects/${projectId}/messages/${draft.id}/${action}`,
        owner.accessToken,
        {},
      );
      expect(acted.status, action).toBe(200);
    }

    const mail = await eventually(() =>
      mailServer().mails.find((caught) => caught.envelopeTo.includes(address)),
    );
    expect(mail.parsed.subject).toBe("Your weekly summary");
    expect(mail.parsed.text?.trim()).toBe("Three things happened this week.");
    expect(mail.parsed.messageId).toBe(`<${draft.id}@mail.example.test>`);
    expect(mail.header("list-unsubscribe")).toMatch(
      /^<https:\/\/app\.example\.test\/v1\/unsubscribe\/[^>]+>$/,
    );
    expect(mail.header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");

    const sent = await eventually(async () => {
      const read = MessageSchema.parse(
        await (await call("GET", `/v1/projects/${projectId}/messages/${draft.id}`, owner.accessToken)).json(),
      );
      return read.status === "sent" ? read : undefined;
    });
    expect(sent.attempts).toEqual([expect.objectContaining({ outcome: "sent", code: 250 })]);
    // Settling is for an unknown attempt only: on a sent message it is a 409 naming the state.
    const settled = await call(
      "POST",
      `/v1/projects/${projectId}/messages/${draft.id}/resend`,
      owner.accessToken,
      { reason: "double-checking" },
    );
    expect(settled.status).toBe(409);
    expect(settled.headers.get("content-type")).toContain("application/problem+json");
    expect(await settled.json()).toMatchObject({ code: "outbound.illegal_transition" });
  });

  it("sends the reset link of POST /v1/auth/password/forgot, whose token resets the password", async () => {
    const email = uniqueEmail("forgot");
    await signUp({ email });
    expect((await post("/v1/auth/password/forgot", { email })).status).toBe(202);

    const mail = await eventually(() =>
      mailServer().mails.find(
        (caught) => caught.envelopeTo.includes(email) && /reset-password/.test(caught.parsed.text ?? ""),
      ),
    );
    expect(mail.header("list-unsubscribe")).toBeUndefined();
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.parsed.text ?? "")?.[1];
    expect(token).toBeDefined();

    const newPassword = "a completely different passphrase";
    expect((await post("/v1/auth/password/reset", { token, newPassword })).status).toBe(204);
    expect((await post("/v1/auth/login", { email, password: TEST_PASSWORD })).status).toBe(401);
    expect((await post("/v1/auth/login", { email, password: newPassword })).status).toBe(200);
    // The link works once.
    expect(
      (await post("/v1/auth/password/reset", { token, newPassword: "yet another passphrase" })).status,
    ).toBe(400);
  });
});
