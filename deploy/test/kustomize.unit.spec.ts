import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "@tessera/service-kit";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SECRET_NAME } from "../generate.ts";
import { loadServices, repoRoot } from "../services.ts";
import { configSchemaOf } from "./config-schemas.ts";
import { renderOverlay } from "./kustomize.ts";

// What `kubectl kustomize` renders for each overlay, validated object by object against the
// Kubernetes schemas (kubernetes-models), then checked for what production needs.

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[] };
}
interface NetworkPolicyRule {
  from?: { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: unknown }[];
  to?: { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: unknown }[];
  ports?: { protocol?: string; port?: number | string }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: Selector;
    template?: PodTemplate;
    podSelector?: Selector;
    policyTypes?: string[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
    scaleTargetRef?: { kind: string; name: string };
    metrics?: { type: string; resource?: { name: string } }[];
    minReplicas?: number;
    volumeClaimTemplates?: unknown[];
    serviceName?: string;
    clusterIP?: string;
    tls?: { hosts: string[]; secretName: string }[];
    rules?: { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[];
  };
}

const validators: Record<string, (object: K8sObject) => void> = {
  "v1/ConfigMap": (o) => new ConfigMap(o as never).validate(),
  "v1/Secret": (o) => new Secret(o as never).validate(),
  "v1/Service": (o) => new Service(o as never).validate(),
  "apps/v1/Deployment": (o) => new Deployment(o as never).validate(),
  "apps/v1/StatefulSet": (o) => new StatefulSet(o as never).validate(),
  "autoscaling/v2/HorizontalPodAutoscaler": (o) => new HorizontalPodAutoscaler(o as never).validate(),
  "policy/v1/PodDisruptionBudget": (o) => new PodDisruptionBudget(o as never).validate(),
  "networking.k8s.io/v1/NetworkPolicy": (o) => new NetworkPolicy(o as never).validate(),
  "networking.k8s.io/v1/Ingress": (o) => new Ingress(o as never).validate(),
};

/** Whether a label selector selects these labels (an empty selector selects everything). */
function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const matchExpressions = (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    switch (expression.operator) {
      case "In":
        return value !== undefined && (expression.values ?? []).includes(value);
      case "NotIn":
        return value === undefined || !(expression.values ?? []).includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
  return matchLabels && matchExpressions;
}

const workloads = (objects: K8sObject[]): K8sObject[] =>
  objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
const containersOf = (o: K8sObject): Container[] => [
  ...(o.spec?.template?.spec.initContainers ?? []),
  ...(o.spec?.template?.spec.containers ?? []),
];
const podLabels = (o: K8sObject): Record<string, string> => o.spec?.template?.metadata.labels ?? {};
const manifest = loadServices();

describe.each(["dev", "prod"])("kubectl kustomize deploy/k8s/overlays/%s", (overlay) => {
  const objects = renderOverlay<K8sObject>(overlay);

  it("renders objects that each validate against the Kubernetes schemas", () => {
    expect(objects.length).toBeGreaterThan(manifest.services.length);
    const problems: string[] = [];
    for (const object of objects) {
      const label = `${object.kind}/${object.metadata?.name}`;
      const validate = validators[`${object.apiVersion}/${object.kind}`];
      if (!validate) {
        problems.push(`${label}: no schema for ${object.apiVersion}`);
        continue;
      }
      try {
        validate(object);
      } catch (error) {
        problems.push(`${label}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("deploys every service of deploy/services.json", () => {
    const deployed = objects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name);
    for (const service of manifest.services) expect(deployed).toContain(service.name);
  });
});

describe("the prod overlay", () => {
  const objects = renderOverlay<K8sObject>("prod");
  const ofKind = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
  const deployments = ofKind("Deployment");
  const policies = ofKind("NetworkPolicy");
  const kustomization = parse(
    readFileSync(join(repoRoot, "deploy/k8s/overlays/prod/kustomization.yaml"), "utf8"),
  ) as Record<string, unknown>;

  it.each(deployments.map((d) => [d.metadata.name, d] as const))(
    "scales %s on CPU with an HPA, and bounds its disruptions with a PDB",
    (name, deployment) => {
      const hpa = ofKind("HorizontalPodAutoscaler").find(
        (h) => h.spec?.scaleTargetRef?.kind === "Deployment" && h.spec.scaleTargetRef.name === name,
      );
      expect(hpa, `HorizontalPodAutoscaler for ${name}`).toBeDefined();
      expect(hpa!.spec!.metrics?.some((m) => m.type === "Resource" && m.resource?.name === "cpu")).toBe(true);
      expect(hpa!.spec!.minReplicas).toBeGreaterThanOrEqual(2);
      // The HPA owns the count: an apply that carried one would reset it.
      expect(deployment.spec?.replicas).toBeUndefined();
      const pdb = ofKind("PodDisruptionBudget").find((p) => selects(p.spec?.selector, podLabels(deployment)));
      expect(pdb, `PodDisruptionBudget for ${name}`).toBeDefined();
      for (const container of containersOf(deployment)) {
        // Utilization is measured against the request; without one the HPA cannot scale.
        expect(container.resources?.requests?.cpu, container.name).toBeDefined();
        expect(container.resources?.requests?.memory, container.name).toBeDefined();
        expect(container.resources?.limits?.memory, container.name).toBeDefined();
      }
    },
  );

  it("pins every image to a tag, never latest", () => {
    for (const workload of workloads(objects)) {
      for (const container of containersOf(workload)) {
        const tag = /:([\w][\w.-]{0,127})$/.exec(container.image.split("@")[0]!)?.[1];
        expect(tag, `${workload.metadata.name}: ${container.image}`).toBeDefined();
        expect(tag).not.toBe("latest");
      }
    }
    const images = (kustomization.images as { name: string }[]).map((i) => i.name);
    for (const service of manifest.services) expect(images).toContain(`${manifest.image}/${service.name}`);
  });

  it("holds no secret values: secrets come by reference from the operator's Secret", () => {
    expect(ofKind("Secret")).toEqual([]);
    expect(kustomization.secretGenerator).toBeUndefined();
    const refs = workloads(objects).flatMap((w) =>
      containersOf(w).flatMap((c) => [
        ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
        ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : [])),
      ]),
    );
    expect(refs.length).toBeGreaterThan(0);
    expect(new Set(refs)).toEqual(new Set([SECRET_NAME]));
    for (const workload of workloads(objects)) {
      for (const container of containersOf(workload)) {
        for (const env of container.env ?? []) {
          // A literal credential would be a secret in the manifest; only a reference may fill one in.
          if (env.value !== undefined) expect(env.value, env.name).not.toMatch(/:\/\/[^/$]*:[^/$]+@/);
        }
      }
    }
  });

  it("documents every key of the Secret in the production runbook", () => {
    const runbook = readFileSync(join(repoRoot, "docs/runbooks/production-deployment.md"), "utf8");
    const keys = new Set(
      workloads(objects).flatMap((w) =>
        containersOf(w).flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.key)),
      ),
    );
    keys.delete(undefined);
    for (const key of keys) expect(runbook, key).toContain(`\`${key}\``);
  });

  it("denies all traffic by default and selects every pod with a policy that allows its own", () => {
    const defaultDeny = policies.find(
      (p) =>
        Object.keys(p.spec?.podSelector ?? { x: 1 }).length === 0 &&
        p.spec?.policyTypes?.includes("Ingress") &&
        p.spec?.policyTypes?.includes("Egress") &&
        p.spec.ingress === undefined &&
        p.spec.egress === undefined,
    );
    expect(defaultDeny).toBeDefined();
    for (const workload of workloads(objects)) {
      const allowing = policies.filter(
        (p) => p !== defaultDeny && selects(p.spec?.podSelector, podLabels(workload)),
      );
      expect(allowing.length, `a policy for ${workload.metadata.name}`).toBeGreaterThan(0);
    }
  });

  it("lets only the gateway take traffic from outside, from the Ingress controller, and Prometheus only the ops ports", () => {
    const prometheus = {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
      podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
    };
    const isPrometheus = (peer: object) => JSON.stringify(peer) === JSON.stringify(prometheus);
    for (const workload of workloads(objects)) {
      const labels = podLabels(workload);
      const rules = policies
        .filter((p) => selects(p.spec?.podSelector, labels))
        .flatMap((p) => p.spec?.ingress ?? []);
      const fromOutside = rules
        .flatMap((rule) => rule.from ?? [{}])
        .filter((peer) => peer.namespaceSelector !== undefined || !peer.podSelector);
      const others = fromOutside.filter((peer) => !isPrometheus(peer));
      const scrapedPorts = rules
        .filter((rule) => (rule.from ?? []).some(isPrometheus))
        .flatMap((rule) => (rule.ports ?? []).map((port) => Number(port.port)));
      const service = manifest.services.find((s) => s.name === workload.metadata.name);
      if (service) expect(scrapedPorts, `${service.name} is scraped`).toContain(service.opsPort);
      // Prometheus reaches the ops ports and nothing else (no service's HTTP port among them).
      for (const port of scrapedPorts) {
        expect(
          manifest.services.map((s) => s.opsPort),
          `port ${port}`,
        ).toContain(port);
      }
      if (workload.metadata.name === "api-gateway") {
        expect(others).toEqual([
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
        ]);
      } else {
        expect(others, workload.metadata.name).toEqual([]);
      }
    }
    const ingress = ofKind("Ingress");
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.spec!.tls?.[0]?.secretName).toBeTruthy();
    const backends = ingress[0]!.spec!.rules!.flatMap((r) => r.http.paths.map((p) => p.backend.service.name));
    expect(new Set(backends)).toEqual(new Set(["api-gateway"]));
  });

  it("lets the services reach NATS, Postgres, Redis and DNS, and the gateway NATS and Redis", () => {
    const egressPorts = (name: string): Set<number> => {
      const workload = deployments.find((d) => d.metadata.name === name)!;
      return new Set(
        policies
          .filter((p) => selects(p.spec?.podSelector, podLabels(workload)))
          .flatMap((p) => p.spec?.egress ?? [])
          .filter((rule) => rule.ports !== undefined)
          .flatMap((rule) => rule.ports!.map((port) => Number(port.port))),
      );
    };
    expect(egressPorts("api-gateway")).toEqual(new Set([53, 4222, 6379]));
    for (const service of manifest.services.filter((s) => s.name !== "api-gateway")) {
      expect(egressPorts(service.name), service.name).toEqual(new Set([53, 4222, 5432, 6379]));
    }
  });

  it.each(manifest.services.map((s) => s.name))(
    "gives %s an environment its config accepts, with the Secret's keys filled in",
    async (name) => {
      const deployment = deployments.find((d) => d.metadata.name === name)!;
      const container = deployment.spec!.template!.spec.containers[0]!;
      const keyRing = `k1:${"A".repeat(43)}`;
      const sample: Record<string, string> = {
        DATABASE_URL: "postgres://tessera:pw@db.example.com:5432/tessera?sslmode=require",
        REDIS_URL: "rediss://:pw@redis.example.com:6379",
        OAUTH_PROVIDERS: "",
        EMBEDDING_API_KEY: "",
        OUTBOUND_SMTP_URL: "smtps://mailer:pw@smtp.example.com:465",
        IDENTITY_HOOK_ISSUERS: "",
        SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
      };
      const env: Record<string, string> = {};
      for (const from of container.envFrom ?? []) {
        const configMap = ofKind("ConfigMap").find((c) => c.metadata.name === from.configMapRef?.name);
        Object.assign(env, configMap?.data);
      }
      for (const variable of container.env ?? []) {
        const key = variable.valueFrom?.secretKeyRef?.key;
        if (key !== undefined)
          env[variable.name] = sample[key] ?? (key.endsWith("PASSWORD") ? "0123abcd" : keyRing);
        else
          env[variable.name] = (variable.value ?? "").replace(
            /\$\((\w+)\)/g,
            (_all, ref: string) => env[ref] ?? "",
          );
      }
      const config = parseConfig(await configSchemaOf(name), env) as Record<string, unknown>;
      expect(config.NATS_STREAM_REPLICAS).toBe(3);
      expect(config.NATS_URL).toMatch(/^nats:\/\/(gateway|service):0123abcd@nats:4222$/);
    },
  );

  it("runs NATS as a 3-node JetStream cluster, with users, and streams at 3 replicas", () => {
    const nats = ofKind("StatefulSet").find((s) => s.metadata.name === "nats");
    expect(nats?.spec?.replicas).toBe(3);
    expect(nats?.spec?.volumeClaimTemplates).toHaveLength(1);
    const headless = ofKind("Service").find((s) => s.metadata.name === nats?.spec?.serviceName);
    expect(headless?.spec?.clusterIP).toBe("None");
    expect(ofKind("Service").some((s) => s.metadata.name === "nats")).toBe(true);
    const config =
      ofKind("ConfigMap").find((c) => c.metadata.name === "nats-config")?.data?.["nats.conf"] ?? "";
    for (const node of [0, 1, 2])
      expect(config).toContain(`nats://nats-${node}.${headless!.metadata.name}:6222`);
    expect(config).toMatch(/jetstream\s*\{[^}]*store_dir/);
    // A replica lost with its node stops drawing requests within a minute (decision 0077).
    expect(config).toMatch(/^\s*ping_interval: "20s"$/m);
    for (const service of manifest.services) {
      const configMap = ofKind("ConfigMap").find((c) => c.metadata.name === `${service.name}-config`);
      expect(configMap?.data?.NATS_STREAM_REPLICAS, service.name).toBe("3");
      const deployment = deployments.find((d) => d.metadata.name === service.name)!;
      const env = deployment.spec!.template!.spec.containers[0]!.env ?? [];
      const user = service.name === "api-gateway" ? "gateway" : "service";
      expect(env.find((e) => e.name === "NATS_URL")?.value).toBe(`nats://${user}:$(NATS_PASSWORD)@nats:4222`);
      // $(VAR) expands only from a variable defined before it.
      expect(env.findIndex((e) => e.name === "NATS_PASSWORD")).toBeLessThan(
        env.findIndex((e) => e.name === "NATS_URL"),
      );
    }
  });
});
