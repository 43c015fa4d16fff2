import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../services.ts";

/** The objects `kubectl kustomize deploy/k8s/overlays/<overlay>` renders, as plain data. */
export function renderOverlay<T = Record<string, unknown>>(overlay: string): T[] {
  const result = spawnSync("kubectl", ["kustomize", join(repoRoot, "deploy/k8s/overlays", overlay)], {
    encoding: "utf8",
    maxBuffer: 32 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(`kubectl is not installed (apt-get install kubernetes-client): ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as T | null)
    .filter((doc): doc is T => doc !== null);
}
