import {
  accountsRegister,
  passwordForgot,
  passwordReset,
  RemoteError,
  sessionsLogin,
} from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, latestLinkToken, median, startAuth } from "./support.ts";

let h: AuthHarness;
const password = "a perfectly fine passphrase";
/** Rounds thrown away first (JIT, pool connections, caches), then rounds measured. */
const WARMUP = 6;
const SAMPLES = 40;
const ROUNDS = WARMUP + SAMPLES;
/** Issue 10: a known and an unknown email's medians within 25 % of each other. */
const MAX_RATIO = 1.25;
/** Dozens of argon2 hashes in each test, on a busy machine. */
const SLOW_TEST_MS = 90_000;

beforeAll(async () => {
  h = await startAuth();
});

afterAll(async () => {
  await h?.stop();
});

async function timed(work: () => Promise<unknown>): Promise<{ ms: number; outcome: string }> {
  const started = performance.now();
  const outcome = await work().then(
    (value) => JSON.stringify(value),
    (error: unknown) =>
      error instanceof RemoteError ? JSON.stringify(error.toRemoteProblem()) : String(error),
  );
  return { ms: performance.now() - started, outcome };
}

interface Comparison {
  known: number;
  unknown: number;
  /** The slower median over the faster. */
  ratio: number;
  outcomes: Set<string>;
}

/**
 * Runs the two cases in ABBA order (known first in even rounds, unknown first in odd ones), so drift
 * in machine load falls on both alike, then compares medians, which a few stalls of a busy machine
 * do not move. `settle` runs after every request, so each is timed on a quiet service.
 */
async function compare(
  known: (round: number) => Promise<unknown>,
  unknown: (round: number) => Promise<unknown>,
  settle: () => Promise<void> = async () => {},
): Promise<Comparison> {
  const a: number[] = [];
  const b: number[] = [];
  const outcomes = new Set<string>();
  const measure = async (work: (round: number) => Promise<unknown>, round: number) => {
    const sample = await timed(() => work(round));
    await settle();
    return sample;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const knownFirst = round % 2 === 0;
    const first = await measure(knownFirst ? known : unknown, round);
    const second = await measure(knownFirst ? unknown : known, round);
    const [k, u] = knownFirst ? [first, second] : [second, first];
    if (round < WARMUP) continue;
    a.push(k.ms);
    b.push(u.ms);
    outcomes.add(k.outcome);
    outcomes.add(u.outcome);
  }
  const [knownMs, unknownMs] = [median(a), median(b)];
  return {
    known: knownMs,
    unknown: unknownMs,
    ratio: Math.max(knownMs, unknownMs) / Math.min(knownMs, unknownMs),
    outcomes,
  };
}

async function resetRequestCount(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from auth.events where type = 'auth.password.reset_requested'
  `.execute(h.auth.database.db);
  return rows[0]?.n ?? 0;
}

/**
 * Waits until `resetRequests` reset requests are recorded and every catch-up reader (the relay,
 * the revoked-sessions feed) has passed them: the work a known email leaves after its answer,
 * which would otherwise land on whatever request comes next.
 */
async function quiet(resetRequests: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ requested: number; behind: number }>`
      select
        (select count(*)::int from auth.events where type = 'auth.password.reset_requested') as requested,
        (select count(*)::int from auth.checkpoints
          where global_position < (select coalesce(max(global_position), 0) from auth.events)) as behind
    `.execute(h.auth.database.db);
    const row = rows[0];
    if (row && row.requested >= resetRequests && row.behind === 0) return;
    if (Date.now() > deadline) throw new Error(`service not quiet: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function registerAll(prefix: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: ROUNDS }, async (_, round) => {
      const address = `${prefix}${round}@example.com`;
      await h.caller.request(accountsRegister, { email: address, password }, ctx());
      return address;
    }),
  );
}

describe("no user enumeration", () => {
  it(
    "answers forgot-password alike, within 25 % in median time, whether or not the email has an account",
    async () => {
      const emails = await registerAll("forgot");
      const before = await resetRequestCount();
      let knownAsked = 0;
      const result = await compare(
        (round) => {
          knownAsked += 1;
          return h.caller.request(passwordForgot, { email: emails[round] ?? "" }, ctx());
        },
        (round) => h.caller.request(passwordForgot, { email: `ghost${round}@example.com` }, ctx()),
        // Each known email's reset request is recorded after its answer.
        () => quiet(before + knownAsked),
      );
      expect(result.outcomes).toEqual(new Set(["null"]));
      expect(result.ratio, JSON.stringify(result)).toBeLessThanOrEqual(MAX_RATIO);
      // The reset requests were recorded all the same, after the answers.
      const first = await h.caller.request(sessionsLogin, { email: emails[0] ?? "", password }, ctx());
      await expect(latestLinkToken(h, first.user.id, "password-reset")).resolves.toBeTruthy();
    },
    SLOW_TEST_MS,
  );

  it(
    "answers a wrong password and an unknown email alike, within 25 % in median time",
    async () => {
      const emails = await registerAll("login");
      const wrong = "wrong password!";
      const result = await compare(
        (round) => h.caller.request(sessionsLogin, { email: emails[round] ?? "", password: wrong }, ctx()),
        (round) =>
          h.caller.request(sessionsLogin, { email: `nobody${round}@example.com`, password: wrong }, ctx()),
      );
      expect(result.outcomes.size).toBe(1);
      expect(result.ratio, JSON.stringify(result)).toBeLessThanOrEqual(MAX_RATIO);
    },
    SLOW_TEST_MS,
  );

  it(
    "answers an unknown and a used reset token alike, within 25 % in median time",
    async () => {
      const used: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const pair = await h.caller.request(
          accountsRegister,
          { email: `reset${round}@example.com`, password },
          ctx(),
        );
        await h.caller.request(passwordForgot, { email: pair.user.email }, ctx());
        const token = await latestLinkToken(h, pair.user.id, "password-reset");
        await h.caller.request(passwordReset, { token, newPassword: "first new passphrase" }, ctx());
        used.push(token);
      }
      const result = await compare(
        (round) =>
          h.caller.request(
            passwordReset,
            { token: used[round] ?? "", newPassword: "second passphrase" },
            ctx(),
          ),
        (round) =>
          h.caller.request(
            passwordReset,
            { token: `${"Z".repeat(40)}${String(round).padStart(3, "0")}`, newPassword: "second passphrase" },
            ctx(),
          ),
      );
      expect(result.outcomes.size).toBe(1);
      expect(result.ratio, JSON.stringify(result)).toBeLessThanOrEqual(MAX_RATIO);
    },
    SLOW_TEST_MS,
  );
});
