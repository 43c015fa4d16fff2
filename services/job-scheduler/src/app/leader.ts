import type { Logger } from "@tessera/service-kit";
import type { LeaderLock } from "../infra/leader-lock.ts";

export interface LeaderLoop {
  /** Whether this replica led on its last tick. */
  isLeader(): boolean;
  /**
   * Resolves once a tick that begins after the call has ended, with whether this replica led on it
   * (false when the loop stops first): a test that moves the clock waits for the work at that time.
   */
  waitForTick(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Every `tickMs`: hold (or try to take) the leader lock, and when held run `work`. Only the leader
 * fires schedules and dispatches delayed runs; every replica serves operations and runs jobs.
 */
export function startLeaderLoop(opts: {
  lock: LeaderLock;
  tickMs: number;
  logger: Logger;
  clock: () => Date;
  work: (now: Date) => Promise<void>;
}): LeaderLoop {
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let waiting: ((led: boolean) => void)[] = [];

  const lead = async () => {
    const held = await opts.lock.ensure();
    if (held !== leader)
      opts.logger.info({ leader: held }, held ? "became scheduler leader" : "lost scheduler leadership");
    leader = held;
    if (!held || stopped) return;
    try {
      await opts.work(opts.clock());
    } catch (err) {
      opts.logger.error({ err }, "scheduler tick failed");
    }
  };
  const tick = async () => {
    const waitingForThis = waiting;
    waiting = [];
    try {
      await lead();
    } finally {
      for (const resolve of waitingForThis) resolve(leader);
    }
  };
  const loop = () => {
    if (stopped) return;
    current = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, opts.tickMs);
    });
  };
  loop();

  return {
    isLeader: () => leader,
    waitForTick: () =>
      stopped ? Promise.resolve(false) : new Promise<boolean>((resolve) => waiting.push(resolve)),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      await opts.lock.release();
      leader = false;
      for (const resolve of waiting.splice(0)) resolve(false);
    },
  };
}
