import type { Bus } from "@tessera/bus";
import {
  decodeCursor,
  type EventDefinition,
  encodeCursor,
  type MessageContext,
  type MigrationState,
  NotFoundError,
  opsOperations,
} from "@tessera/contracts";
import {
  type AnyDb,
  type AsyncProjection,
  type EventPublisher,
  type EventStores,
  eventStoreMigrationStatus,
  migrationStatus,
  rebuildProjection,
  republish,
  revealingPublisher,
} from "@tessera/eventstore";
import type { Migration } from "kysely/migration";
import { z } from "zod";
import type { Logger } from "./logger.ts";
import { contractPublisher } from "./publishing.ts";
import { requireSystem } from "./request.ts";

/** What the ops operations need from a running service: its store, its bus and its definition's parts. */
export interface OpsDeps {
  readonly db: AnyDb;
  readonly bus: Bus;
  readonly stores: EventStores;
  readonly logger: Logger;
  readonly migrations: Record<string, Migration>;
  readonly publishes: readonly EventDefinition[];
  readonly projections: readonly AsyncProjection[];
}

class ProjectionNotFoundError extends NotFoundError {
  override name = "ProjectionNotFoundError";
  constructor(name: string, known: readonly string[]) {
    const list = known.length === 0 ? "none" : known.join(", ");
    super("ops.projection_not_found", `No rebuildable projection ${name} here (there are: ${list}).`);
  }
}

const SeqCursorSchema = z.object({ seq: z.number().int().min(1) });

/**
 * Serves `svc.<service>.ops.*` (libs/contracts ops-operations.ts) for the platform's own tools:
 * projection rebuilds, republishing from a global position, migration status, dead letters. Every
 * one refuses callers that are not the platform itself (`system:` actors; decision 0073).
 */
export function serveOps(deps: OpsDeps): void {
  const { bus, db, stores, logger } = deps;
  const { schema } = stores;
  const ops = opsOperations(bus.service);
  const audit = (ctx: MessageContext, what: string, details: Record<string, unknown>) =>
    logger.info({ requestId: ctx.requestId, actor: ctx.actor, ...details }, what);

  bus.serve(ops.projectionsList, async (_request, ctx) => {
    requireSystem(ctx);
    return { items: deps.projections.map(({ name }) => ({ name })) };
  });

  bus.serve(ops.projectionsRebuild, async (request, ctx) => {
    requireSystem(ctx);
    const projection = deps.projections.find(({ name }) => name === request.name);
    if (!projection)
      throw new ProjectionNotFoundError(
        request.name,
        deps.projections.map(({ name }) => name),
      );
    const started = performance.now();
    const { replayed } = await rebuildProjection(db, { schema, projection });
    const tookMs = Math.round(performance.now() - started);
    audit(ctx, "projection rebuilt", { projection: projection.name, replayed, tookMs });
    return { name: projection.name, replayed, tookMs };
  });

  bus.serve(ops.eventsRepublish, async (request, ctx) => {
    requireSystem(ctx);
    let published = 0;
    // The relay's own chain (personal fields revealed, then the contract decides what leaves), with
    // a message id of its own: JetStream stores the copies even right after the first ones.
    const contracted = contractPublisher(
      bus.eventPublisher({ msgIdSuffix: `republish-${ctx.requestId}` }),
      deps.publishes,
      logger,
    );
    const counting: EventPublisher = {
      async publish(envelope) {
        const copy = await contracted.publish(envelope);
        if (copy) published++;
        return copy;
      },
    };
    const publisher = revealingPublisher(stores.vault(db), counting, (copies) => bus.deletePublished(copies));
    const { published: read } = await republish(db, {
      schema,
      publisher,
      fromPosition: request.fromPosition,
    });
    audit(ctx, "events republished", { fromPosition: request.fromPosition, read, published });
    return { read, published };
  });

  bus.serve(ops.migrationsList, async (_request, ctx) => {
    requireSystem(ctx);
    const state = (set: MigrationState["set"]) => (migration: { name: string; executedAt?: Date }) => ({
      set,
      name: migration.name,
      executedAt: migration.executedAt?.toISOString() ?? null,
    });
    const own = await eventStoreMigrationStatus(db, { schema });
    const service = await migrationStatus(db, { schema, migrations: deps.migrations });
    return { schema, items: [...own.map(state("eventstore")), ...service.map(state("service"))] };
  });

  bus.serve(ops.deadLettersList, async (request, ctx) => {
    requireSystem(ctx);
    const after = decodeCursor(SeqCursorSchema, request.cursor)?.seq;
    const { items, more } = await bus.deadLetters.list({ after, limit: request.limit });
    const last = items.at(-1);
    return { items, nextCursor: more && last ? encodeCursor({ seq: last.seq }) : null };
  });

  bus.serve(ops.deadLettersGet, async (request, ctx) => {
    requireSystem(ctx);
    return bus.deadLetters.get(request.seq);
  });

  bus.serve(ops.deadLettersReplay, async (request, ctx) => {
    requireSystem(ctx);
    const replayed = await bus.deadLetters.replay(request.seq);
    audit(ctx, "dead letter replayed", { ...replayed });
    return replayed;
  });
}
