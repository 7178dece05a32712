/**
 * `workloads:` in the spec: the schema and the semantic checks, one broken entry per row, each
 * with the exact `line:col path: message` problems it must produce (and nothing else).
 */
import { checkSpec } from "../../../model/load";
import { chartVersionProblem, repositoryPathProblem } from "../../../model/workloadChecks";
import { BASE, edit, problemsOf } from "./fixtures";

/** BASE plus a valid workload of each kind; the workloads start on line 37. */
const WITH_WORKLOADS = `${BASE}workloads:
  web:
    kind: helm
    tenant: payments
    clusters: [eks-eu]
    chart: oci://registry.acme.io/charts/web
    version: "1.4.2"
    values: { replicaCount: 2 }
  ingress:
    kind: helm
    platform: true
    namespace: ingress
    clusters: [eks-eu]
    chart: ingress-nginx
    repo: https://kubernetes.github.io/ingress-nginx
    version: "4.11.3"
  local-chart:
    kind: helm
    tenant: search
    clusters: [eks-eu]
    path: deploy/charts/search
    valuesFiles: [deploy/values/staging.yaml]
  overlay:
    kind: kustomize
    tenant: payments
    clusters: [eks-eu]
    path: clusters/staging/apps
  plain:
    kind: manifests
    tenant: search
    namespace: search
    clusters: [eks-eu]
    path: manifests/search
`;

describe("workloads in the spec", () => {
  it("accepts a valid entry of each kind", () => {
    const { spec, problems } = checkSpec(WITH_WORKLOADS, "spec.yaml");
    expect(problems).toEqual([]);
    expect(Object.keys(spec?.workloads ?? {})).toEqual(["web", "ingress", "local-chart", "overlay", "plain"]);
  });

  it.each<[string, string, string, string[]]>([
    [
      "both tenant and platform",
      "    tenant: payments\n    clusters: [eks-eu]\n    chart: oci",
      "    tenant: payments\n    platform: true\n    clusters: [eks-eu]\n    chart: oci",
      [
        '41:15 workloads.web.platform: a workload belongs to a tenant or to the platform, not both: remove platform: true to confine it to tenant "payments", or remove tenant to let the platform team own it',
      ],
    ],
    [
      "no owner",
      "    platform: true\n    namespace: ingress\n",
      "    namespace: ingress\n",
      [
        '45:3 workloads.ingress: workload "ingress" has no owner: add tenant: <tenant> (its objects stay in that tenant\'s namespace) or platform: true (owned by the platform team, may create cluster-scoped objects)',
      ],
    ],
    [
      "unknown tenant and cluster",
      "    tenant: search\n    namespace: search\n    clusters: [eks-eu]",
      "    tenant: serch\n    namespace: serch\n    clusters: [eks-us]",
      [
        '66:13 workloads.plain.tenant: unknown tenant "serch"; did you mean "search"?',
        '68:16 workloads.plain.clusters[0]: unknown cluster "eks-us"; did you mean "eks-eu"?',
      ],
    ],
    [
      "a tenant workload aimed at another namespace",
      "    namespace: search\n",
      "    namespace: payments\n",
      [
        '67:16 workloads.plain.namespace: a workload of tenant "search" runs in the tenant\'s namespace "search" only: remove namespace (or set it to "search")',
      ],
    ],
    [
      "a version range",
      'version: "1.4.2"',
      'version: "^1.4"',
      [
        '43:14 workloads.web.version: "^1.4" is a version range: a deploy must be repeatable, so pin one version as written in the chart\'s Chart.yaml, e.g. "1.14.5"',
      ],
    ],
    [
      "no version",
      '    version: "1.4.2"\n',
      "",
      [
        '42:12 workloads.web.chart: a chart from a registry or repository needs an exact version: add version: "<x.y.z>"',
      ],
    ],
    [
      "chart and path",
      "    path: deploy/charts/search",
      "    path: deploy/charts/search\n    chart: oci://registry.acme.io/charts/search\n    version: 1.0.0",
      [
        "57:11 workloads.local-chart.path: give either chart (a chart of a registry or repository) or path (a chart folder of this repository), not both: remove one of them",
      ],
    ],
    [
      "neither chart nor path",
      "    path: deploy/charts/search\n",
      "",
      [
        '53:3 workloads.local-chart: a helm workload needs its chart: add chart: oci://<registry>/<repo>/<name> with version: "<x.y.z>", chart: <name> with repo: and version:, or path: <chart folder of the repository>',
      ],
    ],
    [
      "repo with an oci chart",
      "    chart: oci://registry.acme.io/charts/web\n",
      "    chart: oci://registry.acme.io/charts/web\n    repo: https://charts.acme.io\n",
      [
        '43:11 workloads.web.repo: repo is only for a chart name looked up in an http(s) chart repository; "oci://registry.acme.io/charts/web" already says where it is: remove repo',
      ],
    ],
    [
      "a chart name without repo",
      "    repo: https://kubernetes.github.io/ingress-nginx\n",
      "",
      [
        '50:12 workloads.ingress.chart: "ingress-nginx" is a chart name: add repo: <chart repository URL> (e.g. https://charts.jetstack.io), or write the chart as oci://<registry>/<repo>/ingress-nginx',
      ],
    ],
    [
      "a version on a chart folder",
      "    path: deploy/charts/search\n",
      '    path: deploy/charts/search\n    version: "1.0.0"\n',
      [
        "58:14 workloads.local-chart.version: a chart folder's version is the one in deploy/charts/search/Chart.yaml: remove version (change it in Chart.yaml)",
      ],
    ],
    [
      "a path leaving the repository",
      "    path: clusters/staging/apps",
      "    path: clusters/../../etc",
      [
        '63:11 workloads.overlay.path: "clusters/../../etc" goes up with "..": it may not leave the repository; write it relative to the repository root, e.g. "deploy/charts/web" or "clusters/production/apps"',
      ],
    ],
    [
      "an absolute values file",
      "valuesFiles: [deploy/values/staging.yaml]",
      "valuesFiles: [/etc/values.yaml]",
      [
        '58:19 workloads.local-chart.valuesFiles[0]: "/etc/values.yaml" is absolute: the platform only reads files of the repository; write it relative to the repository root, e.g. "deploy/charts/web" or "clusters/production/apps"',
      ],
    ],
    [
      "a credential in values",
      "values: { replicaCount: 2 }",
      "values: { replicaCount: 2, auth: { password: hunter2hunter2 } }",
      [
        '44:50 workloads.web.values.auth.password: "password" looks like a credential; the spec never holds secret values: keep it in a secret source and let the chart read an existing Secret (most charts take existingSecret: <name>)',
      ],
    ],
    [
      "a name that is not a DNS label",
      "  overlay:\n",
      "  Overlay:\n",
      [
        "59:3 workloads.Overlay: name \"Overlay\" must be a DNS-1123 label: lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters",
      ],
    ],
  ])("%s", (_name, from, to, expected) => {
    expect(problemsOf(edit(WITH_WORKLOADS, from, to))).toEqual(expected);
  });

  it("a kustomize entry without path is a schema problem naming the key", () => {
    const problems = problemsOf(edit(WITH_WORKLOADS, "    path: clusters/staging/apps\n", ""));
    expect(problems).toEqual(['59:3 workloads.overlay: missing required key "path"']);
  });
});

describe("chartVersionProblem", () => {
  it.each(["1.4.2", "v2.0.0", "1.0.0-rc.1", "0.1.0+build.5"])("%s is exact", (v) => {
    expect(chartVersionProblem(v)).toBeUndefined();
  });
  it.each(["^1.4", "~1.4.2", ">=1.0.0", "1.x", "1.4.*", "1.4", "1.0.0 || 2.0.0", "latest"])(
    "%s is refused",
    (v) => {
      expect(chartVersionProblem(v)).toMatch(/pin one version/);
    },
  );
});

describe("repositoryPathProblem", () => {
  it.each(["charts/web", "./charts/web", "a/b..c/d", "manifests/x.yaml"])("%s is inside", (p) => {
    expect(repositoryPathProblem(p)).toBeUndefined();
  });
  it.each(["/abs", "../up", "a/../../b", "~/x", "C:\\x", "a\\b", "", "  "])("%s is refused", (p) => {
    expect(repositoryPathProblem(p)).toBeDefined();
  });
});
