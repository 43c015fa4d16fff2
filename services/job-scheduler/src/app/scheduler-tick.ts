import type { JobsDeps } from "./deps.ts";
import { dispatchDueRuns } from "./dispatch-due-runs.ts";
import { tickSchedules } from "./tick-schedules.ts";

export interface SchedulerTickOptions {
  /** An occurrence later than this is missed and follows the catch-up policy, in ms. */
  misfireGraceMs: number;
  /** Runs queued less than this long ago are left to the fast path of the replica that queued them, in ms. */
  dispatchGraceMs: number;
}

/** The leader's work on each tick: fire the due schedules, then publish the runs whose time has come. */
export function schedulerTick(deps: JobsDeps, opts: SchedulerTickOptions) {
  return async (now: Date): Promise<void> => {
    await tickSchedules(deps, { graceMs: opts.misfireGraceMs }, now);
    await dispatchDueRuns(deps, { fastPathGraceMs: opts.dispatchGraceMs }, now);
  };
}
