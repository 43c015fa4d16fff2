export {
  allowListPermits,
  type EgressAllowEntry,
  EgressAllowHostsSchema,
  type EgressAllowList,
  type EgressTarget,
  parseEgressAllowList,
} from "./allow-list.ts";
export {
  createEgressClient,
  type EgressClient,
  type EgressClientOptions,
  type EgressRequest,
  type EgressResponse,
} from "./client.ts";
export {
  EgressConnectionError,
  type EgressRefusalReason,
  EgressRefusedError,
  EgressResponseTooLargeError,
  EgressTimeoutError,
  type EgressTimeoutPhase,
} from "./errors.ts";
