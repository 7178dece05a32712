import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { doctor, renderDoctor } from "../../../ops/toolchain/doctor";
import { installToolchain, selectTools, ToolchainError } from "../../../ops/toolchain/install";
import { KWOK_STAGE_FILES } from "../../../ops/toolchain/prepare";
import {
  FLUX_KUSTOMIZE_CONTROLLER_VERSION,
  FLUX_SOURCE_CONTROLLER_VERSION,
  HELM_VERSION,
  COSIGN_VERSION,
  ORAS_VERSION,
  SOPS_VERSION,
  AGE_VERSION,
  PULUMI_VERSION,
  TOOLS,
  toolKey,
} from "../../../ops/toolchain/tools";
import { REPO_ROOT } from "../helpers/root";

const toolsRoot = path.join(REPO_ROOT, "tools");

describe("tool pins", () => {
  test("every tool has a wrapper module with a go.mod and go.sum", () => {
    for (const t of TOOLS) {
      expect(fs.existsSync(path.join(toolsRoot, t.moduleDir, "go.mod"))).toBe(true);
      expect(fs.existsSync(path.join(toolsRoot, t.moduleDir, "go.sum"))).toBe(true);
    }
  });

  test("the Pulumi CLI is stamped with its version, or the Automation API rejects it", () => {
    const pulumi = TOOLS.find((t) => t.name === "pulumi")!;
    expect(pulumi.ldflags).toContain(
      `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}`,
    );
    expect(pulumi.probe!.expect.test(`v${PULUMI_VERSION}\n`)).toBe(true);
    expect(pulumi.probe!.expect.test(`v${PULUMI_VERSION}0\n`)).toBe(false);
  });

  test("the npm Kubernetes SDK and the provider are the same version", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
    const provider = TOOLS.find((t) => t.name === "pulumi-resource-kubernetes")!;
    expect(pkg.dependencies["@pulumi/kubernetes"]).toBe(provider.version);
  });

  test("cache keys are stable, differ per tool, and change with the Go version", () => {
    const keys = TOOLS.map((t) => toolKey(t, toolsRoot, "go1.26.8"));
    expect(new Set(keys).size).toBe(TOOLS.length);
    expect(TOOLS.map((t) => toolKey(t, toolsRoot, "go1.26.8"))).toEqual(keys);
    expect(toolKey(TOOLS[0], toolsRoot, "go1.27.0")).not.toBe(keys[0]);
    expect(keys[0]).toMatch(new RegExp(`^pulumi-${PULUMI_VERSION.replace(/\./g, "\\.")}-[0-9a-f]{12}$`));
  });

  test("every wrapper module builds with the pinned Go 1.26 (no GOTOOLCHAIN switch anywhere)", () => {
    for (const t of TOOLS) {
      const gomod = fs.readFileSync(path.join(toolsRoot, t.moduleDir, "go.mod"), "utf8");
      const minor = /^go 1\.(\d+)(\.\d+)?$/m.exec(gomod)?.[1];
      expect([t.moduleDir, minor]).toEqual([t.moduleDir, expect.stringMatching(/^\d+$/)]);
      expect(Number(minor)).toBeLessThanOrEqual(26);
      expect(gomod).not.toMatch(/^toolchain /m);
    }
  });

  test.each([
    ["source-controller", "flux-source-controller", FLUX_SOURCE_CONTROLLER_VERSION],
    ["kustomize-controller", "flux-kustomize-controller", FLUX_KUSTOMIZE_CONTROLLER_VERSION],
  ])("Flux's %s is pinned at its version, with upstream's digest replace", (name, dir, version) => {
    const gomod = fs.readFileSync(path.join(toolsRoot, dir, "go.mod"), "utf8");
    const sum = fs.readFileSync(path.join(toolsRoot, dir, "go.sum"), "utf8");
    expect(gomod).toMatch(new RegExp(`^tool github\\.com/fluxcd/${name}$`, "m"));
    expect(gomod).toContain(`github.com/fluxcd/${name} v${version} `);
    expect(sum).toContain(`github.com/fluxcd/${name} v${version} h1:`);
    // without it, source-controller's BLAKE3 digests do not compile
    expect(gomod).toMatch(/^replace github\.com\/opencontainers\/go-digest => .* v1\.0\.1-0\./m);
    expect(TOOLS.find((t) => t.name === name)).toMatchObject({ moduleDir: dir, version, benchOnly: true });
  });

  test("helm is stamped with its exact version, which the PATH probe accepts and nothing else", () => {
    const helm = TOOLS.find((t) => t.name === "helm")!;
    expect(helm.goPackage).toBe("helm.sh/helm/v4/cmd/helm");
    expect(helm.ldflags).toEqual([`-X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}`]);
    expect(helm.probe!.args).toEqual(["version", "--template", "{{.Version}}"]);
    expect(helm.probe!.expect.test(`v${HELM_VERSION}`)).toBe(true);
    expect(helm.probe!.expect.test(`v${HELM_VERSION}.1`)).toBe(false);
    expect(helm.probe!.expect.test("v3.19.0")).toBe(false);
  });

  test("oras and sops are probed by their exact versions and nothing else", () => {
    const oras = TOOLS.find((t) => t.name === "oras")!;
    expect(oras.probe!.expect.test(`Version:    ${ORAS_VERSION}\nGo version: go1.26.8`)).toBe(true);
    expect(oras.probe!.expect.test(`Version:    ${ORAS_VERSION}+unreleased`)).toBe(false);
    const sops = TOOLS.find((t) => t.name === "sops")!;
    expect(sops.probe!.expect.test(`sops ${SOPS_VERSION} (latest)`)).toBe(true);
    expect(sops.probe!.expect.test("sops 3.9.0")).toBe(false);
    expect(selectTools(undefined).map((t) => t.name)).toEqual(expect.arrayContaining(["oras", "sops"]));
  });

  test("age-keygen is probed by its exact version", () => {
    const age = TOOLS.find((t) => t.name === "age-keygen")!;
    expect(age.probe!.expect.test(`v${AGE_VERSION}\n`)).toBe(true);
    expect(age.probe!.expect.test("(devel)")).toBe(false);
    expect(age.probe!.expect.test("v1.3.1")).toBe(false);
  });

  test("cosign is probed by its exact GitVersion and built by every install", () => {
    const cosign = TOOLS.find((t) => t.name === "cosign")!;
    expect(cosign.probe!.expect.test(`GitVersion:    v${COSIGN_VERSION}\nGitCommit:     unknown`)).toBe(true);
    expect(cosign.probe!.expect.test("GitVersion:    v2.6.4")).toBe(false);
    expect(cosign.probe!.expect.test(`GitVersion:    v${COSIGN_VERSION}-dirty`)).toBe(false);
    expect(selectTools(undefined).map((t) => t.name)).toContain("cosign");
  });

  test("kwok's default stages cover nodes and pods", () => {
    expect(KWOK_STAGE_FILES.some((f) => f.includes("node-initialize"))).toBe(true);
    expect(KWOK_STAGE_FILES.some((f) => f.includes("pod-ready"))).toBe(true);
  });
});

describe("toolchain install errors", () => {
  test("no Go on PATH is a clear error that says what to install", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "platform-tc-"));
    const env = { PATH: "/nonexistent", PLATFORM_TOOLCHAIN_CACHE: cache, HOME: cache };
    const run = installToolchain({ root: REPO_ROOT, env, log: () => undefined, only: ["kine"] });
    await expect(run).rejects.toThrow(ToolchainError);
    await expect(
      installToolchain({ root: REPO_ROOT, env, log: () => undefined, only: ["kine"] }),
    ).rejects.toThrow(/Go is not installed or not on PATH.*Install Go 1\.26/);
  });
});

describe("which tools an install builds", () => {
  test("by default every tool but the benchmark-only ones", () => {
    const names = selectTools(undefined).map((t) => t.name);
    expect(names).toContain("pulumi");
    expect(names).toContain("kwok");
    expect(names).not.toContain("source-controller");
    expect(names).not.toContain("kustomize-controller");
  });

  test("named tools, benchmark-only ones included", () => {
    expect(selectTools(["kustomize-controller", "kine"]).map((t) => t.name)).toEqual([
      "kine",
      "kustomize-controller",
    ]);
  });

  test("a name no tool has is an error that lists the names", () => {
    expect(() => selectTools(["kine", "flux"])).toThrow(ToolchainError);
    expect(() => selectTools(["flux"])).toThrow(
      /no pinned tool is named "flux"; the tools are: pulumi, .*source-controller/,
    );
  });
});

describe("doctor rendering", () => {
  test("an absent benchmark-only tool is shown but is no failure", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "platform-tc-"));
    try {
      const rows = doctor({ ...process.env, PLATFORM_TOOLCHAIN_CACHE: cache }, REPO_ROOT);
      const flux = rows.find((r) => r.name === "source-controller")!;
      expect(flux).toMatchObject({ ok: false, optional: true });
      expect(flux.note).toContain("platform toolchain install source-controller");
      expect(rows.find((r) => r.name === "kine")).toMatchObject({ ok: false });
      expect(rows.find((r) => r.name === "kine")!.optional).toBeUndefined();
      const text = renderDoctor(rows);
      expect(text).toMatch(/^absent\s+source-controller\s+1\.9\.6/m);
      expect(text).toMatch(/^missing: .*kine/m);
      expect(text).not.toMatch(/^missing: .*source-controller/m);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test("lists each tool and names what is missing", () => {
    const text = renderDoctor([
      { name: "pulumi", want: "3.274.1", found: "v3.274.1", path: "/x/pulumi", ok: true },
      { name: "kine", want: "0.17.5", found: undefined, path: undefined, ok: false },
    ]);
    expect(text).toMatch(/^ok\s+pulumi\s+3\.274\.1\s+v3\.274\.1\s+\/x\/pulumi$/m);
    expect(text).toMatch(/^MISSING\s+kine/m);
    expect(text).toContain("missing: kine: run `platform toolchain install`");
  });
});
