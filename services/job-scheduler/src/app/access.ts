import { ForbiddenError, type MessageContext } from "@tessera/contracts";

/**
 * The gateway lets only platform admins through to these operations; the service checks again so an
 * internal caller without the role cannot use them by accident. Services may act as `system:<name>`.
 */
export function requireAdmin(ctx: MessageContext): void {
  if (ctx.roles?.includes("admin") || ctx.actor?.startsWith("system:")) return;
  throw new ForbiddenError("auth.forbidden", "Only platform admins may manage jobs.");
}
