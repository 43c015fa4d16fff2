import { InvalidTokenError, RevokedSessionTokenError } from "@tessera/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type AccessTokenVerifier, bearerTokenOf } from "../infra/access-tokens.ts";
import type { RevokedSessions } from "../infra/revoked-sessions.ts";
import { ACCESS_COOKIE, cookiesOf, requireCsrfToken } from "./token-cookies.ts";

/**
 * `onRequest` hook of authenticated routes: runs before the body is read, so an anonymous caller
 * never costs a parse. The token comes from `Authorization: Bearer`, or else from the access cookie,
 * in which case a mutating request must also pass the CSRF check. A token of a revoked session is
 * refused. On failure the reply carries `WWW-Authenticate` (RFC 6750); the token is never logged.
 */
export function authenticate(verify: AccessTokenVerifier, revoked: Pick<RevokedSessions, "isRevoked">) {
  return async function verifyBearer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const fromHeader = bearerTokenOf(request.headers.authorization);
    const fromCookie = fromHeader === undefined ? cookiesOf(request).get(ACCESS_COOKIE) : undefined;
    const token = fromHeader ?? fromCookie;
    try {
      if (token === undefined) throw new InvalidTokenError();
      const caller = await verify(token);
      if (revoked.isRevoked(caller.sessionId)) throw new RevokedSessionTokenError();
      request.caller = caller;
    } catch (error) {
      // RFC 6750 §3.1: no error code when the request carried no token at all.
      const challenge = token === undefined ? "" : ', error="invalid_token"';
      reply.header("www-authenticate", `Bearer realm="tessera"${challenge}`);
      throw error;
    }
    if (fromCookie !== undefined) {
      request.tokensInCookies = true;
      requireCsrfToken(request);
    }
  };
}
