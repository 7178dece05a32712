import * as pulumi from "@pulumi/pulumi";
import { parentTypeOf, RecordedResource, setupMocks, valueOf } from "../helpers/mocks";

const mocks = setupMocks();
type AppModule = typeof import("../../../components/kubernetes/app");
type AppArgs = import("../../../components/kubernetes/app").AppArgs;
let mod: AppModule;

beforeAll(async () => {
  mod = await import("../../../components/kubernetes/app");
});
beforeEach(() => mocks.reset());

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const base: AppArgs = {
  namespace: "payments",
  environment: "staging",
  tenant: "payments",
  costCenter: "cc-104",
  owner: "group:payments-eng",
  image: "registry.acme.io/payments/checkout",
  tag: "2.8.1",
  env: { LOG_LEVEL: "info" },
};

async function build(args: Partial<AppArgs> = {}, name = "checkout") {
  const app = new mod.App(name, { ...base, ...args });
  await mocks.settle();
  return app;
}

/** The error `fn` throws (undefined when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function deployment(): RecordedResource {
  return mocks.ofType(DEPLOYMENT)[0];
}
function podSpec() {
  return deployment().inputs.spec.template.spec;
}
function container() {
  return podSpec().containers[0];
}

describe("App children", () => {
  it("creates ServiceAccount, ConfigMap, Deployment, Service, PDB and NetworkPolicy by default", async () => {
    await build();
    const kinds = mocks.resources.filter((r) => r.custom).map((r) => r.type.split(":").pop());
    expect(kinds.sort()).toEqual(
      ["ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"].sort(),
    );
  });

  it("creates Ingress and HPA only when asked", async () => {
    await build({ ingress: { host: "checkout.acme.io" }, autoscaling: { min: 2, max: 6 } });
    expect(mocks.ofType(INGRESS)).toHaveLength(1);
    expect(mocks.ofType(HPA)).toHaveLength(1);
  });

  it("parents every child to the App", async () => {
    await build({ ingress: { host: "checkout.acme.io" }, autoscaling: { min: 2, max: 6 } });
    const appUrn = mocks.byName("checkout").urn;
    const children = mocks.resources.filter((r) => r.type !== mod.APP_TYPE);
    expect(children.length).toBeGreaterThanOrEqual(8);
    for (const child of children) {
      expect(child.parentUrn).toBe(appUrn);
      expect(parentTypeOf(child)).toBe(mod.APP_TYPE);
    }
  });

  it("names children after the component and physical objects after the app", async () => {
    await build({ appName: "checkout" }, "checkout-eks-eu");
    expect(mocks.byName("checkout-eks-eu-deployment").inputs.metadata.name).toBe("checkout");
    expect(mocks.byName("checkout-eks-eu-service").inputs.metadata.name).toBe("checkout");
    expect(mocks.byName("checkout-eks-eu-sa").inputs.metadata.name).toBe("checkout");
  });
});

describe("App Deployment hardening", () => {
  // One build for the read-only assertions below (the top-level beforeEach reset runs first).
  let recorded: RecordedResource[] = [];
  beforeAll(async () => {
    mocks.reset();
    await build();
    recorded = [...mocks.resources];
  });
  beforeEach(() => {
    mocks.resources.push(...recorded);
  });

  it.each([
    ["runAsNonRoot", true],
    ["runAsUser", 65532],
  ])("sets pod securityContext.%s", (field, value) => {
    expect(podSpec().securityContext[field]).toBe(value);
  });

  it("sets the RuntimeDefault seccomp profile", () => {
    expect(podSpec().securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
  });

  it.each([
    ["allowPrivilegeEscalation", false],
    ["readOnlyRootFilesystem", true],
    ["privileged", false],
  ])("sets container securityContext.%s", (field, value) => {
    expect(container().securityContext[field]).toBe(value);
  });

  it("drops ALL capabilities and adds none", () => {
    expect(container().securityContext.capabilities).toEqual({ drop: ["ALL"] });
  });

  it("does not mount service account tokens, in the pod or the ServiceAccount", () => {
    expect(podSpec().automountServiceAccountToken).toBe(false);
    expect(mocks.ofType("kubernetes:core/v1:ServiceAccount")[0].inputs.automountServiceAccountToken).toBe(
      false,
    );
  });

  it("uses no host namespaces, host paths or host ports", () => {
    expect(podSpec().hostNetwork).toBeUndefined();
    expect(podSpec().hostPID).toBeUndefined();
    expect(podSpec().volumes.every((v: Record<string, unknown>) => v.hostPath === undefined)).toBe(true);
    expect(container().ports.every((p: Record<string, unknown>) => p.hostPort === undefined)).toBe(true);
  });

  it("probes /healthz and /ready on the app port by default", () => {
    expect(container().livenessProbe).toEqual({
      httpGet: { path: "/healthz", port: 8080 },
      periodSeconds: 10,
    });
    expect(container().readinessProbe).toEqual({
      httpGet: { path: "/ready", port: 8080 },
      periodSeconds: 10,
    });
  });

  it("requests 100m CPU and 128Mi with a 128Mi memory limit by default", () => {
    expect(container().resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "128Mi" },
    });
  });

  it("runs the pinned image and reads its env from the ConfigMap", () => {
    expect(container().image).toBe("registry.acme.io/payments/checkout:2.8.1");
    const configMap = mocks.ofType("kubernetes:core/v1:ConfigMap")[0];
    expect(configMap.inputs.data).toEqual({ LOG_LEVEL: "info" });
    expect(container().envFrom).toEqual([{ configMapRef: { name: "checkout-env-auto" } }]);
  });

  it("keeps 2 replicas without autoscaling", () => {
    expect(deployment().inputs.spec.replicas).toBe(2);
  });
});

describe("App options", () => {
  it("overrides resources and probes", async () => {
    await build({
      port: 9090,
      resources: { cpu: "250m", memoryMiB: 512, memoryLimitMiB: 1024, cpuLimit: "1" },
      probes: { liveness: { path: "/live", periodSeconds: 5 }, readiness: { port: 9091 } },
    });
    expect(container().resources).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { memory: "1024Mi", cpu: "1" },
    });
    expect(container().livenessProbe).toEqual({ httpGet: { path: "/live", port: 9090 }, periodSeconds: 5 });
    expect(container().readinessProbe.httpGet).toEqual({ path: "/ready", port: 9091 });
  });

  it("accepts an image pinned by digest", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    await build({ tag: undefined, digest });
    expect(container().image).toBe(`registry.acme.io/payments/checkout@${digest}`);
  });

  it("turns secret refs into secretKeyRefs on <app>-secrets", async () => {
    await build({
      secrets: {
        DATABASE_URL: { source: "vault", path: "payments/checkout/db" },
        STRIPE_API_KEY: { source: "aws-sm", path: "stripe", key: "api-key" },
      },
    });
    expect(container().env).toEqual([
      {
        name: "DATABASE_URL",
        valueFrom: { secretKeyRef: { name: "checkout-secrets", key: "DATABASE_URL" } },
      },
      {
        name: "STRIPE_API_KEY",
        valueFrom: { secretKeyRef: { name: "checkout-secrets", key: "STRIPE_API_KEY" } },
      },
    ]);
    expect(mocks.ofType("kubernetes:core/v1:Secret")).toEqual([]);
  });

  it("exposes a ClusterIP Service on port 80 to the container port", async () => {
    const app = await build({ port: 9090 });
    const service = mocks.ofType(SERVICE)[0].inputs;
    expect(service.metadata.name).toBe("checkout");
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    expect(container().ports[0]).toMatchObject({ name: "http", containerPort: 9090 });
    expect(await valueOf(app.url)).toBe("http://checkout.payments.svc.cluster.local");
    expect(await valueOf(app.serviceName)).toBe("checkout");
  });

  it("routes the Ingress host to the Service", async () => {
    await build({ ingress: { host: "checkout.acme.io", className: "nginx" } });
    const spec = mocks.ofType(INGRESS)[0].inputs.spec;
    expect(spec.ingressClassName).toBe("nginx");
    expect(spec.rules[0].host).toBe("checkout.acme.io");
    expect(spec.rules[0].http.paths[0]).toMatchObject({
      path: "/",
      pathType: "Prefix",
      backend: { service: { name: "checkout", port: { number: 80 } } },
    });
  });

  it("leaves replicas to the HPA when autoscaling", async () => {
    await build({ replicas: 5, autoscaling: { min: 3, max: 10 } });
    expect(deployment().inputs.spec.replicas).toBeUndefined();
    const hpa = mocks.ofType(HPA)[0].inputs.spec;
    expect(hpa).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "checkout" });
    expect(hpa.metrics[0].resource.target).toEqual({ type: "Utilization", averageUtilization: 70 });
  });

  it.each([
    [{ replicas: 1 }, 0],
    [{ replicas: 2 }, 1],
    [{ autoscaling: { min: 1, max: 4 } }, 0],
    [{ replicas: 1, autoscaling: { min: 2, max: 4 } }, 1],
  ])("creates a PDB only for 2+ replicas: %j", async (args, count) => {
    await build(args);
    const pdbs = mocks.ofType(PDB);
    expect(pdbs).toHaveLength(count);
    expect(pdbs.map((p) => p.inputs.spec.maxUnavailable)).toEqual(pdbs.map(() => 1));
  });

  it("gives the PDB the Deployment's selector, so that it covers its pods", async () => {
    await build({ replicas: 3 });
    const selector = deployment().inputs.spec.selector.matchLabels;
    expect(mocks.ofType(PDB)[0].inputs.spec.selector.matchLabels).toEqual(selector);
    expect(deployment().inputs.spec.template.metadata.labels).toMatchObject(selector);
    expect(mocks.ofType(SERVICE)[0].inputs.spec.selector).toEqual(selector);
  });

  it("admits its own namespace, the allowFrom tenants and the ingress controller", async () => {
    await build({ port: 9090, allowFrom: ["search", "payments"], ingress: { host: "c.acme.io" } });
    const policy = mocks.byName("checkout-allow-ingress").inputs;
    const from = policy.spec.ingress[0].from.map(
      (f: { namespaceSelector: { matchLabels: Record<string, string> } }) =>
        f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
    );
    expect(from).toEqual(["payments", "search", "ingress-nginx"]);
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 9090 }]);
    expect(policy.spec.podSelector.matchLabels["app.kubernetes.io/name"]).toBe("checkout");
    const egress = mocks.byName("checkout-egress-from-search").inputs;
    expect(egress.metadata.namespace).toBe("search");
    expect(egress.spec.egress[0].ports).toEqual([{ protocol: "TCP", port: 9090 }]);
    expect(mocks.ofType(NETPOL)).toHaveLength(2);
  });

  it("admits only its own namespace by default", async () => {
    await build();
    const from = mocks.byName("checkout-allow-ingress").inputs.spec.ingress[0].from;
    expect(from).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "payments" } } },
    ]);
  });

  it("annotates every object with skipAwait when asked, and none otherwise", async () => {
    await build({ skipAwait: true, ingress: { host: "c.acme.io" }, autoscaling: { min: 2, max: 3 } });
    const objects = mocks.resources.filter((r) => r.custom);
    expect(objects).toHaveLength(8);
    for (const r of objects)
      expect(r.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    mocks.reset();
    await build();
    for (const r of mocks.resources.filter((x) => x.custom))
      expect(r.inputs.metadata.annotations).toBeUndefined();
  });

  it("labels every object with the platform labels", async () => {
    await build();
    for (const r of mocks.resources.filter((x) => x.custom)) {
      expect(r.inputs.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": "checkout",
        "platform.dev/cost-center": "cc-104",
        "platform.dev/owner": "group_payments-eng",
      });
      expect(r.inputs.metadata.namespace).toBe("payments");
    }
  });
});

describe("App validation", () => {
  it.each([
    [{ tag: "latest" }, 'tag is "latest", which is not allowed', "tag"],
    [{ tag: "LATEST" }, 'tag is "LATEST", which is not allowed', "tag"],
    [{ tag: undefined }, 'has no tag and no digest; set "tag"', "tag"],
    [{ digest: `sha256:${"b".repeat(64)}` }, 'both tag "2.8.1" and digest "sha256:bbbb', "digest"],
    [{ image: "registry.acme.io/checkout:1.0" }, "already carries a tag or digest", "image"],
    [{ tag: undefined, digest: "sha256:123" }, 'digest is "sha256:123"', "digest"],
  ])("rejects the image %j", (args, message, property) => {
    const error = thrown(() => new mod.App("bad", { ...base, ...args }));
    expect(pulumi.InputPropertyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('app "bad"');
    expect((error as pulumi.InputPropertyError).propertyPath).toBe(property);
  });

  it.each([
    [{ port: 70000 }, "port is 70000"],
    [{ autoscaling: { min: 5, max: 2 } }, "autoscaling is min 5, max 2"],
    [{ env: { A: "1" }, secrets: { A: { source: "vault", path: "x" } } }, "A is set in both env and secrets"],
    [{ env: { "bad-name": "1" } }, '"bad-name" is not a valid environment variable name'],
    [{ resources: { memoryMiB: 256, memoryLimitMiB: 128 } }, "the limit at least the request"],
  ])("rejects %j with a ResourceError before creating children", async (args, message) => {
    expect(() => new mod.App("bad", { ...base, ...args })).toThrow(message);
    expect(pulumi.ResourceError.isInstance(thrown(() => new mod.App("bad2", { ...base, ...args })))).toBe(
      true,
    );
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.custom)).toEqual([]);
  });
});
