import type { MessageContext, RotatedSigningKey } from "@tessera/contracts";
import { requireSystem } from "@tessera/service-kit";
import type { SigningKeyRing } from "./signing-key-ring.ts";

/**
 * `svc.auth.signing-keys.rotate`: a new signing key now, for the platform's own tools (the ops CLI),
 * e.g. after a suspected key leak. The retired keys keep verifying the tokens they signed (0018).
 */
export function rotateSigningKeyOnRequest(deps: { signingKeys: SigningKeyRing }) {
  return async (_request: Record<string, never>, ctx: MessageContext): Promise<RotatedSigningKey> => {
    requireSystem(ctx);
    const rotated = await deps.signingKeys.rotate();
    return {
      kid: rotated.kid,
      createdAt: rotated.createdAt.toISOString(),
      signsFrom: rotated.signsFrom.toISOString(),
      retired: rotated.retired,
    };
  };
}
