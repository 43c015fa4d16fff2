import { accountsRegister, JWKS_KV, JwksSchema, sessionsLogin, type TokenPair } from "@tessera/contracts";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, startAuth } from "./support.ts";

let h: AuthHarness;
const HOUR = 3_600_000;
const password = "a perfectly fine passphrase";

beforeAll(async () => {
  // Keys live 720 h (the default); the service checks every second so the test sees rotations soon.
  h = await startAuth({ AUTH_SIGNING_KEY_CHECK_SECONDS: "1", ACCESS_TOKEN_TTL_SECONDS: "900" });
});

afterAll(async () => {
  await h?.stop();
});

let offsetMs = 0;
function advance(ms: number) {
  offsetMs += ms;
  h.advanceClock(ms);
}

async function sharedJwks() {
  const kv = await h.caller.kv(JWKS_KV.bucket);
  return JwksSchema.parse((await kv.get(JWKS_KV.key))?.json());
}

async function waitForKids(predicate: (kids: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const kids = (await sharedJwks()).keys.map((key) => key.kid);
    if (predicate(kids)) return kids;
    if (Date.now() > deadline) throw new Error(`JWKS never matched: ${kids.join(",")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const login = (): Promise<TokenPair> =>
  h.caller.request(sessionsLogin, { email: "keys@example.com", password }, ctx());

async function verify(token: string) {
  const { payload } = await jwtVerify(token, createLocalJWKSet(await sharedJwks()), {
    issuer: "tessera",
    audience: "tessera-api",
    algorithms: ["EdDSA"],
    currentDate: new Date(Date.now() + offsetMs),
  });
  return payload;
}

describe("signing-key rotation", () => {
  it("signs with a new key once the active one is too old, and still verifies the old tokens", async () => {
    const registered = await h.caller.request(
      accountsRegister,
      { email: "keys@example.com", password },
      ctx(),
    );
    const oldKid = decodeProtectedHeader(registered.accessToken).kid ?? "";
    expect(await waitForKids((kids) => kids.includes(oldKid))).toEqual([oldKid]);

    // Just before the key is due, tokens still carry it.
    advance(720 * HOUR - 30_000);
    const before: TokenPair = await login();
    expect(decodeProtectedHeader(before.accessToken).kid).toBe(oldKid);

    advance(60_000);
    const kids = await waitForKids((list) => list.length === 2);
    expect(kids[1]).toBe(oldKid);
    // The new key signs once it has been shared for two checks (picked up at the next check).
    advance(3_000);
    let after = await login();
    for (let tries = 0; tries < 50 && decodeProtectedHeader(after.accessToken).kid === oldKid; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await login();
    }
    const newKid = decodeProtectedHeader(after.accessToken).kid;
    expect(newKid).toBe(kids[0]);
    expect(newKid).not.toBe(oldKid);
    await expect(verify(before.accessToken)).resolves.toMatchObject({ sub: registered.user.id });
    await expect(verify(after.accessToken)).resolves.toMatchObject({ sub: registered.user.id });
  });

  it("drops a retired key from the JWKS once its last tokens have expired", async () => {
    const [active] = await waitForKids((kids) => kids.length === 2);
    // Lifetime (900 s) + three check intervals + 60 s of slack.
    advance(900_000 + 3_000 + 60_000 + 1_000);
    expect(await waitForKids((kids) => kids.length === 1)).toEqual([active]);
  });
});
