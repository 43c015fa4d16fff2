import { type Stack, type StackOptions, startStack } from "@tessera/testing";
import { afterAll, beforeAll, expect } from "vitest";

/**
 * The whole platform for one e2e file: started before its tests (with options computed then, when
 * they depend on something the file starts first), stopped after them, and every service must exit
 * 0 on SIGTERM. Read it only inside hooks and tests.
 */
export function useStack(options: StackOptions | (() => Promise<StackOptions>) = {}): Stack {
  let started: Stack | undefined;
  const running = (): Stack => {
    if (started === undefined)
      throw new Error("the stack is read before it started (use it in hooks and tests)");
    return started;
  };
  beforeAll(async () => {
    started = await startStack(typeof options === "function" ? await options() : options);
  });
  afterAll(async () => {
    if (started === undefined) return;
    const codes = await started.stop();
    const clean = Object.fromEntries(Object.keys(codes).map((service) => [service, 0]));
    expect(codes, `every service exits 0 on SIGTERM; their output:\n${started.logs()}`).toEqual(clean);
  });
  return {
    get gatewayUrl() {
      return running().gatewayUrl;
    },
    get database() {
      return running().database;
    },
    get namespace() {
      return running().namespace;
    },
    opsUrl: (service) => running().opsUrl(service),
    logs: () => running().logs(),
    processes: (service) => running().processes(service),
    addReplica: (service) => running().addReplica(service),
    stop: () => running().stop(),
  };
}
