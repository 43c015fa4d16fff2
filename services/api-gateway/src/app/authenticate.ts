import { InvalidTokenError } from "@tessera/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type AccessTokenVerifier, bearerTokenOf } from "../infra/access-tokens.ts";

/**
 * `onRequest` hook of bearer routes: runs before the body is read, so an anonymous caller never
 * costs a parse. On failure the reply carries `WWW-Authenticate` (RFC 6750); the token is never logged.
 */
export function authenticate(verify: AccessTokenVerifier) {
  return async function verifyBearer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = bearerTokenOf(request.headers.authorization);
    try {
      if (token === undefined) throw new InvalidTokenError();
      request.caller = await verify(token);
    } catch (error) {
      // RFC 6750 §3.1: no error code when the request carried no token at all.
      const challenge = token === undefined ? "" : ', error="invalid_token"';
      reply.header("www-authenticate", `Bearer realm="tessera"${challenge}`);
      throw error;
    }
  };
}
