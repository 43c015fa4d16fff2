import type { Bus } from "@tessera/bus";
import {
  ACCESS_CHANGING_EVENTS,
  accessGet,
  EventEnvelopeSchema,
  type MessageContext,
} from "@tessera/contracts";
import { z } from "zod";
import type { GatewayMetrics } from "../app/metrics.ts";
import type { Upstream } from "../app/upstream.ts";

export type Access = z.output<typeof accessGet.response>;

/** Most cached answers kept at once; the oldest go first. @default 50_000 */
const MAX_ENTRIES = 50_000;

const AccessChangeSchema = z.looseObject({
  userId: z.uuid().optional(),
  projectId: z.uuid().optional(),
});

const accessChanging: ReadonlySet<string> = new Set(ACCESS_CHANGING_EVENTS);

interface CacheLogger {
  warn(object: object, message: string): void;
}

export interface AccessCache {
  /** The caller's platform roles and role in `projectId`, from the cache or `svc.user.access.get`. */
  get(userId: string, projectId: string | undefined, ctx: MessageContext): Promise<Access>;
  close(): Promise<void>;
}

/**
 * Answers of `svc.user.access.get`, kept `ttlMs` and dropped at once when the user service publishes
 * an access-changing event (a core subscription to `evt.user.>`: no durable state, every replica
 * hears every event). An answer fetched while an event arrived is not stored, so it cannot outlive it.
 */
export function startAccessCache(deps: {
  bus: Pick<Bus, "nc" | "names">;
  upstream: Upstream;
  ttlMs: number;
  metrics: GatewayMetrics;
  logger: CacheLogger;
}): AccessCache {
  const entries = new Map<string, { access: Access; expiresAt: number; userId: string; projectId: string }>();
  let epoch = 0;

  const invalidate = (userId: string | undefined, projectId: string | undefined): void => {
    epoch += 1;
    for (const [key, entry] of entries) {
      if (entry.userId === userId || (projectId !== undefined && entry.projectId === projectId)) {
        entries.delete(key);
      }
    }
    deps.metrics.accessCache("invalidated");
  };

  const subscription: ReturnType<Bus["nc"]["subscribe"]> = deps.bus.nc.subscribe(
    deps.bus.names.subject("evt.user.>"),
    {
      callback: (error, message) => {
        if (error) {
          deps.logger.warn({ err: error }, "access-change subscription failed");
          return;
        }
        let envelope: z.infer<typeof EventEnvelopeSchema>;
        try {
          envelope = EventEnvelopeSchema.parse(message.json());
        } catch {
          return;
        }
        if (!accessChanging.has(envelope.type)) return;
        const change = AccessChangeSchema.safeParse(envelope.data);
        if (!change.success) {
          // Unknown shape: forget everything rather than keep an answer that may be stale.
          epoch += 1;
          entries.clear();
          return;
        }
        invalidate(change.data.userId, change.data.projectId);
      },
    },
  );

  return {
    async get(userId, projectId, ctx) {
      const key = `${userId}/${projectId ?? ""}`;
      const cached = entries.get(key);
      if (cached !== undefined && cached.expiresAt > Date.now()) {
        deps.metrics.accessCache("hit");
        return cached.access;
      }
      deps.metrics.accessCache("miss");
      const startedAt = epoch;
      // A look-up changes nothing: sent again when it got no reply (decision 0077).
      const access = await deps.upstream.read(
        accessGet,
        projectId === undefined ? { userId } : { userId, projectId },
        ctx,
      );
      if (startedAt === epoch && deps.ttlMs > 0) {
        entries.delete(key);
        entries.set(key, { access, expiresAt: Date.now() + deps.ttlMs, userId, projectId: projectId ?? "" });
        if (entries.size > MAX_ENTRIES) {
          const oldest = entries.keys().next();
          if (!oldest.done) entries.delete(oldest.value);
        }
      }
      return access;
    },
    async close() {
      subscription.unsubscribe();
    },
  };
}
