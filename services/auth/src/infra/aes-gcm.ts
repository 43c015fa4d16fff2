// The cipher is shared with the gateway; auth's modules keep importing it from here.
export {
  type AesKey,
  type AesKeyRing,
  ephemeralAesKey,
  keyRing,
  openSecret,
  parseAesKey,
  parseAesKeyRing,
  type SealedSecret,
  SecretUnreadableError,
  sealSecret,
} from "@tessera/service-kit";
