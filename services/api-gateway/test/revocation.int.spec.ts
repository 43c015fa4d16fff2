import { randomUUID } from "node:crypto";
import {
  NotFoundError,
  ProblemSchema,
  passwordChange,
  passwordReset,
  sessionsLogout,
  sessionsRevoke,
} from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";
import { createSigningKey, type SigningKey, signAccessToken } from "./support/tokens.ts";

let harness: Harness;
let key: SigningKey;
const namespace = testNamespace("gwrevoke");

/** The fake `auth`'s sessions: id → owner and refresh token. It never writes the revocation bucket. */
const sessions = new Map<string, { userId: string; refreshToken: string }>();

beforeAll(async () => {
  harness = await startHarness(namespace, gatewayRoutes);
  key = await createSigningKey();
  await harness.publishKeys([key]);
  const auth = harness.services.auth;
  const idsOf = (userId: string) => [...sessions].filter(([, s]) => s.userId === userId).map(([id]) => id);
  const end = (ids: string[]) => {
    for (const id of ids) sessions.delete(id);
    return { revokedSessionIds: ids };
  };
  auth.serve(sessionsLogout, async ({ refreshToken }, ctx) =>
    end(
      [...sessions]
        .filter(([, s]) => s.refreshToken === refreshToken && s.userId === ctx.actor)
        .map(([id]) => id),
    ),
  );
  auth.serve(sessionsRevoke, async ({ sessionId }, ctx) => {
    if (sessions.get(sessionId)?.userId !== ctx.actor)
      throw new NotFoundError("auth.session_not_found", "No such session.");
    return end([sessionId]);
  });
  auth.serve(passwordChange, async (_request, ctx) =>
    end(idsOf(ctx.actor ?? "").filter((id) => id !== ctx.sessionId)),
  );
  // The fake takes a reset token for the account it resets: the user id without its dashes.
  auth.serve(passwordReset, async ({ token }) =>
    end([...sessions].filter(([, s]) => s.userId.replaceAll("-", "") === token).map(([id]) => id)),
  );
});

afterAll(async () => {
  await harness?.close();
});

interface Session {
  id: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
}

async function signIn(userId: string): Promise<Session> {
  const id = randomUUID();
  const refreshToken = randomUUID().replaceAll("-", "");
  sessions.set(id, { userId, refreshToken });
  return {
    id,
    userId,
    refreshToken,
    accessToken: await signAccessToken(key, { userId, claims: { sid: id } }),
  };
}

const bearer = (session: Session) => ({ authorization: `Bearer ${session.accessToken}` });
const me = (session: Session) => harness.app.inject({ url: "/v1/users/me", headers: bearer(session) });

async function expectRefused(session: Session): Promise<void> {
  const response = await me(session);
  expect(response.statusCode).toBe(401);
  expect(ProblemSchema.parse(response.json()).code).toBe("auth.session_revoked");
}

describe("a gateway that carried a session-ending request", () => {
  it("refuses the logged-out session's access token on the very next request, before auth's bucket says so", async () => {
    const session = await signIn(randomUUID());
    expect((await me(session)).statusCode).toBe(200);
    const out = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/logout",
      headers: bearer(session),
      payload: { refreshToken: session.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe("");
    await expectRefused(session);
  });

  it("refuses a revoked session at once and keeps the caller's own", async () => {
    const userId = randomUUID();
    const [current, other] = [await signIn(userId), await signIn(userId)];
    const revoked = await harness.app.inject({
      method: "DELETE",
      url: `/v1/auth/sessions/${other.id}`,
      headers: bearer(current),
    });
    expect(revoked.statusCode).toBe(204);
    await expectRefused(other);
    expect((await me(current)).statusCode).toBe(200);
  });

  it("refuses the caller's other sessions at once after a password change, and keeps the current one", async () => {
    const userId = randomUUID();
    const [current, second, third] = [await signIn(userId), await signIn(userId), await signIn(userId)];
    const stranger = await signIn(randomUUID());
    const changed = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/password",
      headers: bearer(current),
      payload: { currentPassword: "the old passphrase", newPassword: "a new fine passphrase" },
    });
    expect(changed.statusCode).toBe(204);
    expect(changed.body).toBe("");
    await expectRefused(second);
    await expectRefused(third);
    expect((await me(current)).statusCode).toBe(200);
    expect((await me(stranger)).statusCode).toBe(200);
  });

  it("refuses every session of the account at once after a password reset", async () => {
    const userId = randomUUID();
    const [first, second] = [await signIn(userId), await signIn(userId)];
    const reset = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/password/reset",
      payload: { token: userId.replaceAll("-", ""), newPassword: "a new fine passphrase" },
    });
    expect(reset.statusCode).toBe(204);
    await expectRefused(first);
    await expectRefused(second);
  });

  it("refuses nothing when the operation ended no session", async () => {
    const session = await signIn(randomUUID());
    const out = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/logout",
      headers: bearer(session),
      payload: { refreshToken: "someone-elses-refresh-token" },
    });
    expect(out.statusCode).toBe(204);
    expect((await me(session)).statusCode).toBe(200);
  });
});
