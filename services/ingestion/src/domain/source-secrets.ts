/**
 * A source's secrets as the domain holds them: sealed (AES-256-GCM under the service's key ring),
 * never in the clear. Sealing and opening happen in the application layer.
 */
export interface Sealed {
  readonly keyId: string;
  readonly ciphertext: string;
}

/**
 * The secrets that verify a source's webhooks: the current one, and the ones it replaced, each
 * until the end of its overlap. Oldest last.
 */
export interface SigningSecrets {
  readonly current: Sealed;
  readonly previous: readonly { readonly sealed: Sealed; readonly validUntil: string }[];
}

export interface SourceSecrets {
  /** Verifies webhooks: a `webhook` source's `whsec_` secret, a `chatwoot` source's Chatwoot webhook secret. */
  readonly signing: SigningSecrets | null;
  /** A `chatwoot` source's API access token. */
  readonly apiToken: Sealed | null;
}

/** Replaced secrets kept verifying at once, at most; a rotation beyond that retires the oldest early. */
export const MAX_PREVIOUS_SECRETS = 4;

/**
 * `next` becomes the current secret; the one it replaces verifies until `now + overlapMs`, beside
 * the earlier ones still inside their own overlap.
 */
export function rotateSigning(
  signing: SigningSecrets | null,
  next: Sealed,
  now: Date,
  overlapMs: number,
): SigningSecrets {
  if (signing === null) return { current: next, previous: [] };
  const validUntil = new Date(now.getTime() + overlapMs).toISOString();
  const stillValid = signing.previous.filter((entry) => Date.parse(entry.validUntil) > now.getTime());
  return {
    current: next,
    previous: [{ sealed: signing.current, validUntil }, ...stillValid].slice(0, MAX_PREVIOUS_SECRETS),
  };
}

/** The sealed secrets that verify at `now`: the current one first. */
export function verifyingSecrets(signing: SigningSecrets | null, now: Date): Sealed[] {
  if (signing === null) return [];
  return [
    signing.current,
    ...signing.previous
      .filter((entry) => Date.parse(entry.validUntil) > now.getTime())
      .map((entry) => entry.sealed),
  ];
}
