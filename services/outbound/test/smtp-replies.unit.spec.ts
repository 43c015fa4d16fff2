import { describe, expect, it } from "vitest";
import { domainOf, queueIdOf } from "../src/infra/smtp-channel.ts";
import { retryAfterMsOf } from "../src/infra/webhook-channel.ts";

describe("reading SMTP replies and senders", () => {
  it.each([
    ["250 2.0.0 Ok: queued as 4Bx7Qm2kHfz9", "4Bx7Qm2kHfz9"],
    ["250 OK id=1r2T3y-0004Ab-Cd", "1r2T3y-0004Ab-Cd"],
    ["250 2.0.0 OK queued as <abc.def@mx.example>", "abc.def@mx.example"],
    ["250 2.0.0 OK 1701430000 x5-20020a05", undefined],
    [undefined, undefined],
  ])("finds the queue id in %j", (reply, id) => {
    expect(queueIdOf(reply)).toBe(id);
  });

  it("takes the Message-ID domain from a bare or a named sender", () => {
    expect(domainOf("no-reply@mail.example.org")).toBe("mail.example.org");
    expect(domainOf("Tessera <no-reply@mail.example.org>")).toBe("mail.example.org");
    expect(() => domainOf("nobody")).toThrow(TypeError);
  });
});

describe("Retry-After", () => {
  const now = new Date("2026-12-01T10:00:00Z");
  it.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Tue, 01 Dec 2026 10:00:30 GMT", 30_000],
    ["Tue, 01 Dec 2026 09:00:00 GMT", 0],
    ["99999999", 3_600_000],
    ["soon", undefined],
    ["-5", undefined],
    [undefined, undefined],
  ])("reads %j as %j ms, capped at an hour", (header, ms) => {
    expect(retryAfterMsOf(header, now, 3_600_000)).toBe(ms);
  });
});
