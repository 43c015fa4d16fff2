import type { Bus } from "@tessera/bus";
import { JWKS_KV, type Jwks } from "@tessera/contracts";

/** Puts the public keys where the gateway watches for them (NATS KV), so a rotation applies at once. */
export async function shareJwks(bus: Bus, jwks: Jwks): Promise<void> {
  const kv = await bus.kv(JWKS_KV.bucket);
  await kv.put(JWKS_KV.key, JSON.stringify(jwks));
}
