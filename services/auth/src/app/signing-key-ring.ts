import type { Bus } from "@tessera/bus";
import type { Jwks } from "@tessera/contracts";
import type { Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import {
  loadActiveSigningKey,
  loadPublicJwks,
  rotateSigningKey,
  rotateSigningKeyIfDue,
  type SigningKey,
} from "../infra/signing-keys.ts";
import type { AuthDb } from "../infra/tables.ts";
import { shareJwks } from "./share-jwks.ts";

export interface SigningKeyTimings {
  /** A key this old is replaced, in ms. */
  maxAgeMs: number;
  /** A new key is in the JWKS this long before it signs, in ms. */
  publishAheadMs: number;
  /** A retired key stays in the JWKS this long, in ms. */
  retainRetiredMs: number;
}

export interface SigningKeyRingOptions extends SigningKeyTimings {
  db: Kysely<AuthDb>;
  bus: Bus;
  logger: Logger;
  clock: () => Date;
}

export interface SigningKeyRing {
  /** The key to sign with now. */
  current(): SigningKey;
  /** The public keys as last shared. */
  jwks(): Jwks;
  /** Rotates when due, picks up another replica's rotation, re-shares the JWKS when it changed. */
  check(): Promise<void>;
  /**
   * Makes a new key now and retires the active ones, then re-shares the JWKS. The new key signs once
   * `publishAheadMs` has passed, like a scheduled one (every replica shares it first).
   */
  rotate(): Promise<{ kid: string; createdAt: Date; signsFrom: Date; retired: string[] }>;
  /** Runs `check` every `intervalMs` until the returned stop is called. */
  start(intervalMs: number): () => Promise<void>;
}

/** Signing keys shared by every replica through Postgres, published to the gateway through NATS KV. */
export async function createSigningKeyRing(options: SigningKeyRingOptions): Promise<SigningKeyRing> {
  const { db, bus, logger, clock } = options;
  let key: SigningKey | undefined;
  let jwks: Jwks = { keys: [] };
  let shared = "";

  const check = async () => {
    const now = clock();
    if (await rotateSigningKeyIfDue(db, { maxAgeMs: options.maxAgeMs, now })) {
      logger.info("signing key rotated");
    }
    const active = await loadActiveSigningKey(db, { now, publishAheadMs: options.publishAheadMs });
    if (active && active.kid !== key?.kid) key = active;
    jwks = await loadPublicJwks(db, { now, retainRetiredMs: options.retainRetiredMs });
    const serialized = JSON.stringify(jwks);
    if (serialized !== shared) {
      await shareJwks(bus, jwks);
      shared = serialized;
      logger.info({ kids: jwks.keys.map((k) => k.kid) }, "JWKS shared");
    }
  };

  await check();
  return {
    current() {
      if (!key) throw new Error("no signing key loaded");
      return key;
    },
    jwks: () => jwks,
    check,
    async rotate() {
      const createdAt = clock();
      const { kid, retired } = await rotateSigningKey(db, { now: createdAt });
      logger.info({ kid, retired }, "signing key rotated on request");
      await check();
      return { kid, createdAt, signsFrom: new Date(createdAt.getTime() + options.publishAheadMs), retired };
    },
    start(intervalMs) {
      let running: Promise<void> = Promise.resolve();
      const timer = setInterval(() => {
        running = running.then(check).catch((error: unknown) => {
          logger.error({ err: error }, "signing key check failed");
        });
      }, intervalMs);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await running;
      };
    },
  };
}
