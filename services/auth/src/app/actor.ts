import { InvalidTokenError, type MessageContext } from "@tessera/contracts";

/** The verified caller of a bearer operation; the gateway always sets it, a direct caller may not. */
export function requireActor(ctx: MessageContext): string {
  if (ctx.actor === undefined || ctx.actor.startsWith("system:")) throw new InvalidTokenError();
  return ctx.actor;
}
