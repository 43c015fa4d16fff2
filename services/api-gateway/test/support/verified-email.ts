import type { Stack, StackClient } from "@tessera/testing";
import { sql } from "kysely";
import { expect } from "vitest";
import { decryptLinkToken, LINK_KEY } from "../../../auth/test/support.ts";

/** Give the stack this, so tests hold the key `outbound` would hold for auth's link tokens. */
export const LINK_TOKEN_ENV: Record<string, string> = {
  AUTH_LINK_TOKEN_KEY: `${LINK_KEY.keyId}:${LINK_KEY.key.toString("base64url")}`,
};

/**
 * Verifies the account's email as its owner would: the token is read from the stored
 * `auth.email.verification_requested` and decrypted as `outbound` will, then posted to
 * `/v1/auth/email/verify`.
 */
export async function verifyEmail(stack: Stack, client: StackClient, accountId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ data: { token: { keyId: string; ciphertext: string } } }>`
      select data from auth.events where stream_id = ${`account-${accountId}`}
         and type = 'auth.email.verification_requested'
       order by stream_version desc limit 1`.execute(stack.database.db);
    const data = rows[0]?.data;
    if (data) {
      const token = decryptLinkToken(data.token, "email-verification", accountId);
      expect((await client.post("/v1/auth/email/verify", { token })).status).toBe(204);
      return;
    }
    if (Date.now() > deadline) throw new Error(`no verification link for ${accountId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
