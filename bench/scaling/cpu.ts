/**
 * CPU time of processes and of the whole machine, from Linux's /proc, to tell which process the
 * load saturates (this machine has 2 cores shared by everything the bench starts).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** /proc reports CPU times in USER_HZ ticks, 100 per second on every Linux ABI. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used; undefined once it is gone. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the machine (all cores) since boot. */
function machineSeconds(): { busy: number; total: number } {
  const [line] = readFileSync("/proc/stat", "utf8").split("\n");
  const ticks = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  // idle and iowait are the 4th and 5th numbers.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export interface CpuSample {
  readonly at: number;
  readonly byProcess: ReadonlyMap<string, number | undefined>;
  readonly machine: { busy: number; total: number };
}

/** CPU seconds of each named process and of the machine, now. */
export function sampleCpu(processes: ReadonlyMap<string, number | undefined>): CpuSample {
  return {
    at: performance.now(),
    byProcess: new Map([...processes].map(([name, pid]) => [name, processCpuSeconds(pid)])),
    machine: machineSeconds(),
  };
}

/**
 * Share of one core each process used between two samples (100 % = one core busy; undefined for a
 * process gone by the second), and how busy the whole machine was (100 % = every core busy).
 */
export function cpuBetween(
  before: CpuSample,
  after: CpuSample,
): { byProcess: Map<string, number | undefined>; machine: number } {
  const seconds = (after.at - before.at) / 1_000;
  const byProcess = new Map(
    [...after.byProcess].map(([name, used]) => {
      const start = before.byProcess.get(name) ?? 0;
      return [name, used === undefined ? undefined : (100 * (used - start)) / seconds];
    }),
  );
  const total = after.machine.total - before.machine.total;
  const machine = total > 0 ? (100 * (after.machine.busy - before.machine.busy)) / total : 0;
  return { byProcess, machine };
}

export const CORES = availableParallelism();
