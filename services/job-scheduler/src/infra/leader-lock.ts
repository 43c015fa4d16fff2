import pg from "pg";

/**
 * Leadership among scheduler replicas: a Postgres session advisory lock held on a connection of its
 * own. When the leader's process or connection dies, Postgres releases the lock and another replica
 * takes it on its next try.
 */
export interface LeaderLock {
  /** True while this replica holds the lock; tries to take it when it does not. */
  ensure(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LeaderLockOptions {
  /** A connect or lock query slower than this fails and the connection is dropped, in ms. @default 5_000 */
  queryTimeoutMs?: number;
  /**
   * The server ends the lock session after this long without a query (Postgres
   * `idle_session_timeout`), so a leader cut off from the database does not keep the lock until TCP
   * gives up (hours). Must exceed a tick plus its work, in ms. @default 30_000
   */
  idleSessionTimeoutMs?: number;
}

const LOCK_NAME = "tessera:job-scheduler:leader";
/** How long ending a connection may take before it is left behind, in ms. */
const END_TIMEOUT_MS = 1_000;

export function createLeaderLock(
  databaseUrl: string,
  onError: (err: unknown) => void,
  options: LeaderLockOptions = {},
): LeaderLock {
  const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  const idleSessionTimeoutMs = options.idleSessionTimeoutMs ?? 30_000;
  let client: pg.Client | undefined;
  let held = false;

  const drop = async () => {
    held = false;
    const current = client;
    client = undefined;
    if (current === undefined) return;
    // On a connection that no longer answers, `end()` may never settle.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      current.end().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, END_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  };

  const open = async (): Promise<pg.Client> => {
    const fresh = new pg.Client({
      connectionString: databaseUrl,
      application_name: "job-scheduler-leader",
      connectionTimeoutMillis: queryTimeoutMs,
      query_timeout: queryTimeoutMs,
      keepAlive: true,
    });
    fresh.on("error", (err) => {
      onError(err);
      // A connection already replaced must not clear the state of its successor.
      if (client !== fresh) return;
      held = false;
      client = undefined;
    });
    client = fresh;
    await fresh.connect();
    await fresh.query("select set_config('idle_session_timeout', $1, false)", [String(idleSessionTimeoutMs)]);
    return fresh;
  };

  return {
    async ensure() {
      try {
        const current = client ?? (await open());
        if (held) {
          await current.query("select 1");
          return true;
        }
        const { rows } = await current.query<{ locked: boolean }>(
          "select pg_try_advisory_lock(hashtextextended($1, 0)) as locked",
          [LOCK_NAME],
        );
        held = rows[0]?.locked === true;
        return held;
      } catch (err) {
        onError(err);
        await drop();
        return false;
      }
    },
    async release() {
      if (held && client) {
        await client
          .query("select pg_advisory_unlock(hashtextextended($1, 0))", [LOCK_NAME])
          .catch(() => undefined);
      }
      await drop();
    },
  };
}
