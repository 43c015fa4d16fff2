/**
 * The gateway's access-token check against @fastify/jwt (fast-jwt underneath) on the same EdDSA
 * tokens, in one process, no HTTP: verifications per second, medians of alternating rounds
 * (docs/decisions/0076). Each library is measured twice: every token new (a full signature check),
 * and one token over and over (what a client's repeated requests cost with the library's cache).
 *   npm run bench:verify [-- --seconds 1 --rounds 3]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import fastifyJwt from "@fastify/jwt";
import type { Jwks } from "@tessera/contracts";
import { createVerifier } from "fast-jwt";
import Fastify from "fastify";
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { createAccessTokenVerifier } from "../../services/api-gateway/src/infra/access-tokens.ts";
import type { JwksStore } from "../../services/api-gateway/src/infra/jwks-store.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const ISSUER = "tessera";
const AUDIENCE = "tessera-api";
/** Distinct tokens minted for the runs where every token is new. */
const POOL_SIZE = 5_000;

const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
const kid = randomUUID();
const jwks: Jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, kty: "OKP", alg: "EdDSA" }] };
const pem = await exportSPKI(publicKey);

/** A token as `auth` signs it (services/auth/src/infra/tokens.ts). */
const mint = () =>
  new SignJWT({ sid: randomUUID(), typ: "access" })
    .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(randomUUID())
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(privateKey);
const pool = await Promise.all(Array.from({ length: POOL_SIZE }, mint));
const oneToken = pool[0]!;

// The gateway's verifier over a key set that never changes (in the gateway it follows the NATS KV).
const keys = createLocalJWKSet(jwks);
const store: JwksStore = { keys: () => keys, publicJwks: () => jwks, close: async () => {} };
// A new one per round, remembering fewer tokens than the pool holds: with new tokens, every check is
// a miss (a signature check, the claims schema, then the cache insert), however fast the machine.
const ours = () =>
  createAccessTokenVerifier({ jwks: store, issuer: ISSUER, audience: AUDIENCE, cacheSize: POOL_SIZE / 5 });

async function fastifyJwtVerifier(cache: boolean) {
  const app = Fastify();
  await app.register(fastifyJwt, {
    secret: { public: pem },
    verify: { algorithms: ["EdDSA"], allowedIss: ISSUER, allowedAud: AUDIENCE, cache },
  });
  await app.ready();
  return (token: string) => app.jwt.verify(token);
}
const fastifyPlain = await fastifyJwtVerifier(false);
const fastifyCached = await fastifyJwtVerifier(true);
// What a key rotation needs: the key chosen by `kid` (a secret function in @fastify/jwt).
const fastJwtByKid = createVerifier({
  key: async (decoded: { header: { kid?: string } }) => (decoded.header.kid === kid ? pem : ""),
  algorithms: ["EdDSA"],
  allowedIss: ISSUER,
  allowedAud: AUDIENCE,
});

type Verify = (token: string) => unknown;
const cases: { name: string; fresh: boolean; make: () => Verify }[] = [
  { name: "ours (jose + claims schema), new tokens", fresh: true, make: ours },
  {
    name: "jose jwtVerify alone, new tokens",
    fresh: true,
    make: () => async (token) =>
      (await jwtVerify(token, keys, { algorithms: ["EdDSA"], issuer: ISSUER, audience: AUDIENCE })).payload,
  },
  { name: "@fastify/jwt, new tokens", fresh: true, make: () => fastifyPlain },
  { name: "fast-jwt key by kid, new tokens", fresh: true, make: () => fastJwtByKid },
  { name: "ours, one token (its cache)", fresh: false, make: ours },
  { name: "@fastify/jwt cache, one token", fresh: false, make: () => fastifyCached },
];

/** Verifications per second for `seconds`; a fresh-token run takes the pool in order. */
async function measure(verify: Verify, fresh: boolean, round: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const offset = round * 7919;
  while (performance.now() < deadline) {
    for (let batch = 0; batch < 100; batch++) {
      await verify(fresh ? pool[(offset + count) % POOL_SIZE]! : oneToken);
      count++;
    }
  }
  return count / ((performance.now() - (deadline - seconds * 1000)) / 1000);
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)] ?? 0;

// Every case must accept the token: a fast refusal would be a meaningless figure.
for (const { name, make } of cases) {
  const payload = (await make()(oneToken)) as { sub?: string; userId?: string };
  if (!payload.sub && !payload.userId) throw new Error(`${name} did not verify the token`);
}

const results = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const { name, make, fresh } of cases) results.get(name)!.push(await measure(make(), fresh, round));
}

const rate = (name: string) => median(results.get(name) ?? []);
console.log(
  `access-token verification, EdDSA, ${rounds} rounds of ${seconds} s each, medians (shared 2-core machine)`,
);
for (const { name } of cases) console.log(`${name.padEnd(44)} ${rate(name).toFixed(0).padStart(9)} /s`);
const ratio = (a: string, b: string) => (rate(a) / rate(b)).toFixed(2);
const [ourNew, joseNew, fastifyNew, byKidNew, ourOne, fastifyOne] = cases.map((c) => c.name) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
console.log(
  `new tokens: ours / @fastify/jwt = ${ratio(ourNew, fastifyNew)}x; ours / fast-jwt by kid = ${ratio(ourNew, byKidNew)}x; ours / jose alone = ${ratio(ourNew, joseNew)}x`,
);
console.log(`one token, cached: ours / @fastify/jwt = ${ratio(ourOne, fastifyOne)}x`);
