import { type AccessTokenClaims, AccessTokenClaimsSchema, InvalidTokenError } from "@tessera/contracts";
import { jwtVerify } from "jose";
import { z } from "zod";
import type { JwksStore } from "./jwks-store.ts";

/** Only the asymmetric algorithms `auth` signs with; `none` and HMAC can never verify. */
export const ACCESS_TOKEN_ALGORITHMS = ["EdDSA", "ES256"];

/** Tolerated clock skew between `auth` and the gateway, in seconds. @default 5 */
const CLOCK_TOLERANCE_SECONDS = 5;

/** Optional platform roles claim; absent means none. */
const RolesClaimSchema = z.object({ roles: z.array(z.string().max(64)).max(32).optional() });

export interface VerifiedCaller {
  /** The account id (`sub`). */
  readonly userId: string;
  readonly sessionId: string;
  readonly roles: string[];
  readonly claims: AccessTokenClaims;
}

export type AccessTokenVerifier = (token: string) => Promise<VerifiedCaller>;

/** `Authorization: Bearer <token>` → the token, or undefined for anything else. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i);
  return match?.[1];
}

/**
 * Verifies signature (against the keys `auth` published), algorithm, `iss`, `aud`, `exp` and `nbf`,
 * then the claims' shape (`typ` must be `access`). Every failure is the same `InvalidTokenError`:
 * the caller learns nothing about which check failed.
 */
export function createAccessTokenVerifier(deps: {
  jwks: JwksStore;
  issuer: string;
  audience: string;
  /** Verified tokens remembered, so a client's repeated requests skip the signature check. @default 10_000 */
  cacheSize?: number;
}): AccessTokenVerifier {
  const verify = verifyAccessToken(deps);
  const cache = new Map<string, { keys: unknown; caller: VerifiedCaller }>();
  const cacheSize = deps.cacheSize ?? 10_000;
  return async (token) => {
    const keys = deps.jwks.keys();
    const hit = cache.get(token);
    // A hit counts only for the key set it was verified against (a rotation or a withdrawn key clears
    // it) and only until the token expires; everything else about the token is immutable.
    if (hit && hit.keys === keys && hit.caller.claims.exp + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) {
      return hit.caller;
    }
    cache.delete(token);
    const caller = await verify(token);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value ?? "");
    cache.set(token, { keys, caller });
    return caller;
  };
}

function verifyAccessToken(deps: { jwks: JwksStore; issuer: string; audience: string }): AccessTokenVerifier {
  return async (token) => {
    const keys = deps.jwks.keys();
    if (keys === null) throw new InvalidTokenError();
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        issuer: deps.issuer,
        audience: deps.audience,
        requiredClaims: ["exp", "sub"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      throw new InvalidTokenError({ cause: error });
    }
    const claims = AccessTokenClaimsSchema.safeParse(payload);
    const roles = RolesClaimSchema.safeParse(payload);
    if (!claims.success || !roles.success) throw new InvalidTokenError();
    return {
      userId: claims.data.sub,
      sessionId: claims.data.sid,
      roles: roles.data.roles ?? [],
      claims: claims.data,
    };
  };
}
