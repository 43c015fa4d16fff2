import { accountsRegister, RemoteError, sessionsLogin } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, startAuth } from "./support.ts";

let h: AuthHarness;
let emails = 0;
const password = "a perfectly fine passphrase";

beforeAll(async () => {
  // Small numbers so the rules show in a few attempts; the defaults are 5 and 20.
  h = await startAuth({ LOGIN_FREE_FAILURES_PER_ACCOUNT: "3", LOGIN_FREE_FAILURES_PER_IP: "6" });
});

afterAll(async () => {
  await h?.stop();
});

const email = () => `t${++emails}@example.com`;
const attempt = (address: string, secret: string, clientIp: string) =>
  h.caller
    .request(sessionsLogin, { email: address, password: secret }, ctx({ clientIp }))
    .catch((error: unknown) => {
      if (error instanceof RemoteError) return error;
      throw error;
    });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("login throttling", () => {
  it("delays an account after its free failures, whatever address they come from", async () => {
    const victim = email();
    await h.caller.request(accountsRegister, { email: victim, password }, ctx());
    for (let i = 1; i <= 3; i++) {
      expect(await attempt(victim, "wrong password!", `10.9.0.${i}`)).toMatchObject({
        code: "auth.invalid_credentials",
      });
    }
    // Even the right password waits: a throttled attempt checks nothing.
    const throttled = await attempt(victim, password, "10.9.0.99");
    expect(throttled).toMatchObject({ status: 429, code: "auth.too_many_attempts", retryAfterSeconds: 1 });
    expect((throttled as RemoteError).message).toContain("1 second");
  });

  it("throttles an unknown email exactly like a known one", async () => {
    const ghost = email();
    for (let i = 1; i <= 3; i++) await attempt(ghost, "wrong password!", `10.8.0.${i}`);
    expect(await attempt(ghost, "wrong password!", "10.8.0.50")).toMatchObject({
      status: 429,
      retryAfterSeconds: 1,
    });
  });

  it("grows the delay with further failures and clears the account's count on success", async () => {
    const user = email();
    await h.caller.request(accountsRegister, { email: user, password }, ctx());
    for (let i = 1; i <= 3; i++) await attempt(user, "wrong password!", `10.7.0.${i}`);
    await sleep(1_100);
    expect(await attempt(user, "wrong password!", "10.7.0.10")).toMatchObject({
      code: "auth.invalid_credentials",
    });
    expect(await attempt(user, password, "10.7.0.11")).toMatchObject({ status: 429, retryAfterSeconds: 2 });
    await sleep(2_100);
    expect(await attempt(user, password, "10.7.0.12")).toMatchObject({ user: { email: user } });
    // The count starts again: the free failures are free again.
    for (let i = 1; i <= 3; i++) {
      expect(await attempt(user, "wrong password!", `10.7.1.${i}`)).toMatchObject({
        code: "auth.invalid_credentials",
      });
    }
  });

  it("delays an address that fails across many accounts, and only that address", async () => {
    const address = "192.0.2.77";
    for (let i = 0; i < 6; i++) {
      expect(await attempt(email(), "wrong password!", address)).toMatchObject({
        code: "auth.invalid_credentials",
      });
    }
    const fresh = email();
    await h.caller.request(accountsRegister, { email: fresh, password }, ctx());
    expect(await attempt(fresh, password, address)).toMatchObject({
      status: 429,
      code: "auth.too_many_attempts",
    });
    expect(await attempt(fresh, password, "192.0.2.78")).toMatchObject({ user: { email: fresh } });
  });
});
