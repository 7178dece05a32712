import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** One pinned tool, built from a wrapper Go module under `tools/`. */
export interface ToolSpec {
  /** Binary name, as it appears in the toolchain's bin folder. */
  name: string;
  /** Human-facing version, also part of the cache key. */
  version: string;
  /** Wrapper module folder under `tools/`. */
  moduleDir: string;
  /** Go package to build, relative to the wrapper module ("." for the module itself). */
  goPackage: string;
  /** Linker flags (`-X` version stamps). */
  ldflags: string[];
  /** Build tags. @default none */
  tags?: string[];
  /** Argv that prints the version, used to accept a binary already on PATH. @default never reuse */
  probe?: { args: string[]; expect: RegExp };
  /**
   * Needed only by a benchmark (`bench/scale.ts`): `platform toolchain install` builds it only when
   * named, and `toolchain doctor` shows it without failing when absent. @default needed by every run
   */
  benchOnly?: boolean;
}

export const PULUMI_VERSION = "3.276.0";
export const KUBERNETES_PROVIDER_VERSION = "4.25.0";
export const KUBE_VERSION = "1.37.2";
export const KINE_VERSION = "0.17.5";
export const KWOK_VERSION = "0.8.0";
export const ACTIONLINT_VERSION = "1.7.12";
/**
 * Flux's controllers, the peer `bench/scale.ts` compares against. 1.9.6, not 1.10.x: 1.10's go.mod
 * wants Go 1.27 and modules the Go module proxy here refuses (see tools/flux-source-controller).
 */
export const FLUX_SOURCE_CONTROLLER_VERSION = "1.9.6";
export const FLUX_KUSTOMIZE_CONTROLLER_VERSION = "1.9.6";
export const HELM_VERSION = "4.3.2";
/** The OCI client: `platform publish`, the agent's `oci://` source and image tag listing. */
export const ORAS_VERSION = "1.3.6";
/** Decrypts SOPS-encrypted secret files (age keys) at deploy time. */
export const SOPS_VERSION = "3.13.3";
/** `age-keygen`: makes the age key pairs SOPS encrypts to (tests, docs, a new environment's key). */
export const AGE_VERSION = "1.3.2";
/** Verifies the signature of an oci:// artifact (`platform agent --verify-key`). */
export const COSIGN_VERSION = "2.6.5";

const kubeStamp = (pkg: string) => [
  `-X ${pkg}.gitVersion=v${KUBE_VERSION}`,
  `-X ${pkg}.gitMajor=${KUBE_VERSION.split(".")[0]}`,
  `-X ${pkg}.gitMinor=${KUBE_VERSION.split(".")[1]}`,
];
const kubeLdflags = [
  ...kubeStamp("k8s.io/component-base/version"),
  ...kubeStamp("k8s.io/client-go/pkg/version"),
];

const kubeTool = (name: string, probe?: ToolSpec["probe"]): ToolSpec => ({
  name,
  version: KUBE_VERSION,
  moduleDir: "kube",
  goPackage: `k8s.io/kubernetes/cmd/${name}`,
  ldflags: kubeLdflags,
  probe,
});

/** Every tool, in build order: the engine first, the control plane after. */
export const TOOLS: ToolSpec[] = [
  {
    name: "pulumi",
    version: PULUMI_VERSION,
    moduleDir: "pulumi",
    goPackage: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    ldflags: [`-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}`],
    tags: ["osusergo", "grpcnotrace"],
    probe: { args: ["version"], expect: new RegExp(`^v${PULUMI_VERSION.replace(/\./g, "\\.")}\\s*$`) },
  },
  {
    name: "pulumi-resource-kubernetes",
    version: KUBERNETES_PROVIDER_VERSION,
    moduleDir: "kubernetes",
    goPackage: ".",
    ldflags: [
      `-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${KUBERNETES_PROVIDER_VERSION}`,
    ],
  },
  {
    name: "kine",
    version: KINE_VERSION,
    moduleDir: "kine",
    goPackage: "github.com/k3s-io/kine",
    ldflags: [`-X github.com/k3s-io/kine/pkg/version.Version=v${KINE_VERSION}`],
  },
  kubeTool("kube-apiserver"),
  kubeTool("kube-controller-manager"),
  kubeTool("kube-scheduler"),
  kubeTool("kubectl", {
    args: ["version", "--client", "-o", "json"],
    expect: new RegExp(`"gitVersion":\\s*"v${KUBE_VERSION.replace(/\./g, "\\.")}"`),
  }),
  {
    name: "kwok",
    version: KWOK_VERSION,
    moduleDir: "kwok",
    goPackage: "sigs.k8s.io/kwok/cmd/kwok",
    ldflags: [`-X sigs.k8s.io/kwok/pkg/consts.Version=v${KWOK_VERSION}`],
  },
  {
    name: "actionlint",
    version: ACTIONLINT_VERSION,
    moduleDir: "actionlint",
    goPackage: "github.com/rhysd/actionlint/cmd/actionlint",
    ldflags: [`-X github.com/rhysd/actionlint.version=v${ACTIONLINT_VERSION}`],
    probe: { args: ["-version"], expect: new RegExp(`^v${ACTIONLINT_VERSION.replace(/\./g, "\\.")}\\b`) },
  },
  {
    // `platform policy check` renders helm workloads offline with it (deploys render in the provider)
    name: "helm",
    version: HELM_VERSION,
    moduleDir: "helm",
    goPackage: "helm.sh/helm/v4/cmd/helm",
    ldflags: [`-X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}`],
    probe: {
      args: ["version", "--template", "{{.Version}}"],
      expect: new RegExp(`^v${HELM_VERSION.replace(/\./g, "\\.")}\\s*$`),
    },
  },
  {
    name: "oras",
    version: ORAS_VERSION,
    moduleDir: "oras",
    goPackage: "oras.land/oras/cmd/oras",
    ldflags: ["-X oras.land/oras/internal/version.BuildMetadata="],
    probe: {
      args: ["version"],
      expect: new RegExp(`^Version:\\s+${ORAS_VERSION.replace(/\./g, "\\.")}\\s*$`, "m"),
    },
  },
  {
    name: "sops",
    version: SOPS_VERSION,
    moduleDir: "sops",
    goPackage: "github.com/getsops/sops/v3/cmd/sops",
    ldflags: [],
    probe: {
      args: ["--version", "--disable-version-check"],
      expect: new RegExp(`^sops ${SOPS_VERSION.replace(/\./g, "\\.")}\\b`),
    },
  },
  {
    name: "age-keygen",
    version: AGE_VERSION,
    moduleDir: "age",
    goPackage: "filippo.io/age/cmd/age-keygen",
    ldflags: [`-X main.Version=v${AGE_VERSION}`],
    probe: {
      args: ["--version"],
      expect: new RegExp(`^v${AGE_VERSION.replace(/\./g, "\\.")}\\s*$`),
    },
  },
  {
    name: "cosign",
    version: COSIGN_VERSION,
    moduleDir: "cosign",
    goPackage: "github.com/sigstore/cosign/v2/cmd/cosign",
    // the version comes from the module's build info (GitVersion v2.6.5)
    ldflags: [],
    probe: {
      args: ["version"],
      expect: new RegExp(`^GitVersion:\\s+v${COSIGN_VERSION.replace(/\./g, "\\.")}\\s*$`, "m"),
    },
  },
  // Flux's binaries carry no version stamp or flag: the pinned wrapper module is their version.
  {
    name: "source-controller",
    version: FLUX_SOURCE_CONTROLLER_VERSION,
    moduleDir: "flux-source-controller",
    goPackage: "github.com/fluxcd/source-controller",
    ldflags: [],
    benchOnly: true,
  },
  {
    name: "kustomize-controller",
    version: FLUX_KUSTOMIZE_CONTROLLER_VERSION,
    moduleDir: "flux-kustomize-controller",
    goPackage: "github.com/fluxcd/kustomize-controller",
    ldflags: [],
    benchOnly: true,
  },
];

/**
 * The cache key of a tool: its pins (wrapper go.mod and go.sum), build flags and the Go version.
 * Changing any pin gives a new key, so an old binary is never reused by mistake.
 */
export function toolKey(tool: ToolSpec, toolsRoot: string, goVersion: string): string {
  const hash = crypto.createHash("sha256");
  const dir = path.join(toolsRoot, tool.moduleDir);
  for (const file of ["go.mod", "go.sum", "main.go"]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) hash.update(fs.readFileSync(p));
  }
  hash.update(JSON.stringify([tool.goPackage, tool.ldflags, tool.tags ?? [], goVersion]));
  return `${tool.name}-${tool.version}-${hash.digest("hex").slice(0, 12)}`;
}
