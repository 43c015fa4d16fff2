import { timingSafeEqual } from "node:crypto";
import { type AesKeyRing, openSecret, SecretUnreadableError, sealSecret } from "@tessera/service-kit";
import { z } from "zod";
import { OAuthStateInvalidError } from "../domain/errors.ts";
import type { FlowSecrets } from "./oauth-clients.ts";

const FLOW_AAD = "tessera:oauth-flow:v1";
const SEPARATOR = "~";

/** One authorization request in flight, sealed into the browser's cookie (never in the URL). */
export interface OAuthFlow extends FlowSecrets {
  provider: string;
  /** `link`: the identity goes to `accountId`, who asked while signed in. */
  mode: "sign-in" | "link";
  accountId?: string;
  /** Unix ms after which the flow is refused. */
  expiresAt: number;
}

const FlowSchema = z.object({
  provider: z.string(),
  mode: z.enum(["sign-in", "link"]),
  accountId: z.uuid().optional(),
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  expiresAt: z.number(),
});

/** The flow as a cookie value: `<keyId>~<AES-256-GCM sealed JSON>`; tampering makes it unreadable. */
export function sealFlow(keys: AesKeyRing, flow: OAuthFlow): string {
  const sealed = sealSecret(keys.current, JSON.stringify(flow), FLOW_AAD);
  return `${sealed.keyId}${SEPARATOR}${sealed.ciphertext}`;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The flow of this browser, when the cookie opens, is for this provider, has not expired and its
 * state equals the one the provider sent back; otherwise one answer, `auth.oauth_state_invalid`.
 */
export function openFlow(
  keys: AesKeyRing,
  cookie: string | undefined,
  expected: { provider: string; state: string | undefined; now: Date },
): OAuthFlow {
  const separator = cookie?.indexOf(SEPARATOR) ?? -1;
  if (cookie === undefined || separator < 1 || expected.state === undefined)
    throw new OAuthStateInvalidError();
  let flow: OAuthFlow;
  try {
    const json = openSecret(
      keys,
      { keyId: cookie.slice(0, separator), ciphertext: cookie.slice(separator + 1) },
      FLOW_AAD,
    );
    flow = FlowSchema.parse(JSON.parse(json));
  } catch (error) {
    if (
      error instanceof SecretUnreadableError ||
      error instanceof z.ZodError ||
      error instanceof SyntaxError
    ) {
      throw new OAuthStateInvalidError({ cause: error });
    }
    throw error;
  }
  if (
    flow.provider !== expected.provider ||
    flow.expiresAt <= expected.now.getTime() ||
    !sameText(flow.state, expected.state)
  ) {
    throw new OAuthStateInvalidError();
  }
  return flow;
}
