import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createBus } from "@tessera/bus";
import { mailList } from "@tessera/contracts";
import type { RunningService } from "@tessera/service-kit";
import {
  freePort,
  type InProcessService,
  runCliProcess,
  startInProcess,
  TEST_NATS_URL,
  testNamespace,
} from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundConfigSchema } from "../src/config.ts";
import { createSmtpChannel } from "../src/infra/smtp-channel.ts";
import { startOutboundService } from "../src/service.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
let instance: InProcessService<RunningService>;
let nc: NatsConnection;

beforeAll(async () => {
  instance = await startInProcess({ configSchema: outboundConfigSchema, start: startOutboundService });
  nc = await connect({ servers: TEST_NATS_URL });
});
afterAll(async () => {
  await nc?.close();
  await instance?.stop();
});

const cli = runCliProcess;

describe("npm run cli -- mail list", () => {
  it("prints the caught mails, newest first, with their text and where the page is", async () => {
    const bus = createBus(nc, { service: "api-gateway", namespace: instance.namespace, logger: silent });
    const { catcher } = await bus.request(mailList, {}, { requestId: randomUUID(), actor: "system:test" });
    const smtp = createSmtpChannel({ url: catcher?.smtp ?? "", from: "no-reply@tessera.localhost" });
    try {
      for (const subject of ["First mail", "Reset your Tessera password"]) {
        await smtp.send({
          messageId: randomUUID(),
          to: "newcomer@example.com",
          subject,
          text: `Open http://127.0.0.1:8080/console/reset-password?token=tok-${subject.length}`,
        });
      }
    } finally {
      await smtp.close();
    }

    const result = await cli({ NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: instance.namespace }, "mail", "list");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`2 newest mail(s); mail catcher at ${catcher?.web}`);
    const newest = result.stdout.indexOf("Reset your Tessera password");
    expect(newest).toBeGreaterThan(0);
    expect(result.stdout.indexOf("First mail")).toBeGreaterThan(newest);
    expect(result.stdout).toContain("to: newcomer@example.com");
    expect(result.stdout).toContain("   Open http://127.0.0.1:8080/console/reset-password?token=tok-27");

    const one = await cli(
      { NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: instance.namespace },
      "mail",
      "list",
      "--limit",
      "1",
    );
    expect(one.stdout).toContain("1 newest mail(s)");
    expect(one.stdout).not.toContain("First mail");
  });

  it("says the stack is down, with exit 1, when outbound or NATS does not answer", async () => {
    const noOutbound = await cli(
      { NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: testNamespace("nobody") },
      "mail",
      "list",
    );
    expect(noOutbound).toEqual({
      code: 1,
      stdout: "",
      stderr: "no outbound is answering svc.outbound.mail.list\n",
    });
    const port = await freePort();
    const noNats = await cli({ NATS_URL: `nats://127.0.0.1:${port}` }, "mail", "list");
    expect(noNats.code).toBe(1);
    expect(noNats.stderr).toBe(
      `NATS at nats://127.0.0.1:${port} did not answer: is the stack running? (npm start)\n`,
    );
  });

  it("prints the usage for a wrong mail command", async () => {
    for (const args of [
      ["mail"],
      ["mail", "send"],
      ["mail", "list", "--limit", "0"],
      ["mail", "list", "--limit"],
    ]) {
      const result = await cli({ NATS_URL: TEST_NATS_URL }, ...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/usage: npm run cli -- mail list| {2}mail list/);
    }
  });
});
