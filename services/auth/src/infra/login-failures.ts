import { createHash } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { FailureCount, ThrottleRule } from "../domain/throttle.ts";
import { normalizeEmail } from "./accounts.ts";
import type { AuthDb } from "./tables.ts";

/** Throttle keys: the account by a hash of its normalised email (known or not), the client by address. */
export function throttleKeys(email: string, clientIp: string | undefined): { account: string; ip: string } {
  const emailHash = createHash("sha256").update(normalizeEmail(email)).digest("hex");
  return { account: `account:${emailHash}`, ip: `ip:${clientIp ?? "unknown"}` };
}

export async function loadFailureCounts(
  db: Kysely<AuthDb>,
  keys: readonly string[],
): Promise<Map<string, FailureCount>> {
  const rows = await db
    .selectFrom("login_failures")
    .select(["key", "failures", "last_failure_at"])
    .where("key", "in", keys)
    .execute();
  return new Map(
    rows.map((row) => [row.key, { failures: row.failures, lastFailureAt: row.last_failure_at }]),
  );
}

/** Counts one failure under `key` in one atomic upsert; a count past its window starts again at one. */
export async function recordFailure(
  db: Kysely<AuthDb>,
  key: string,
  rule: ThrottleRule,
  now: Date,
): Promise<void> {
  const forgetBefore = new Date(now.getTime() - rule.windowMs);
  await db
    .insertInto("login_failures")
    .values({ key, failures: 1, last_failure_at: now })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        failures: sql<number>`case when login_failures.last_failure_at < ${forgetBefore}
          then 1 else login_failures.failures + 1 end`,
        last_failure_at: now,
      }),
    )
    .execute();
}

export async function clearFailures(db: Kysely<AuthDb>, key: string): Promise<void> {
  await db.deleteFrom("login_failures").where("key", "=", key).execute();
}

/** Drops counts nobody will look at again (older than the longest window). */
export async function pruneFailures(db: Kysely<AuthDb>, olderThan: Date): Promise<number> {
  const result = await db
    .deleteFrom("login_failures")
    .where("last_failure_at", "<", olderThan)
    .executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
