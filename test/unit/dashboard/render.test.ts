import { renderDriftHtml } from "../../../ops/drift/html";
import { renderEnvironment, renderOverview } from "../../../ops/dashboard/pages";
import { renderPreviewHtml } from "../../../ops/preview/html";
import type { EnvironmentView } from "../../../ops/dashboard/view";
import type { PreviewReport } from "../../../ops/preview/report";
import { sampleReport } from "./fixtures";

const SCRIPT = "<script>window.__pwned=1</script>";

/** The tags in a page (to prove no user value opened one). */
const scriptTags = (html: string) => html.match(/<script\b[^>]*>/g) ?? [];

describe("drift.html", () => {
  const html = renderDriftHtml(sampleReport());

  test("self-contained: inline CSS, no script, nothing fetched from anywhere", () => {
    expect(html).toContain("<style>");
    expect(scriptTags(html)).toEqual([]);
    expect(html).not.toMatch(/<link\b|src=|@import|url\(/);
  });

  test("a <script> value is text, secrets are [secret] exactly as in drift.json", () => {
    expect(html).not.toContain(SCRIPT);
    expect(html).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(html).toContain("<code>[secret]</code>");
    expect(html).toContain("a &lt;b&gt;warning&lt;/b&gt;");
  });

  test("drift apart from pending code changes; deleted before modified; property, state and live side by side", () => {
    const drift = html.indexOf('id="drift"');
    const pending = html.indexOf('id="pending"');
    expect(drift).toBeGreaterThan(0);
    expect(pending).toBeGreaterThan(drift);
    const driftPart = html.slice(drift, pending);
    expect(driftPart.indexOf("checkout-local-sa")).toBeLessThan(driftPart.indexOf("checkout-local-env"));
    expect(driftPart).toContain(
      '<td data-label="property"><code>data[&quot;PAYMENTS_MODE&quot;]</code></td><td data-label="state"><code>&lt;script&gt;',
    );
    expect(driftPart).not.toContain("spec.replicas");
    expect(html.slice(pending)).toContain("spec.replicas");
    expect(driftPart).toContain("app <code>checkout</code>");
  });

  test("status in words", () => {
    expect(html).toContain('<strong>Status: <span class="badge warn">drifted</span></strong>');
    expect(html).toContain("drift found in 2 resource(s)");
  });
});

describe("preview.html", () => {
  const report: PreviewReport = {
    schemaVersion: 1,
    project: "platform",
    stack: "local",
    workdir: ".",
    commit: "abc",
    status: "failed",
    error: `1 mandatory policy violation(s): k8s-no-privileged ${SCRIPT}`,
    changes: {
      operation: "preview",
      resources: [
        {
          urn: "urn:pulumi:local::platform::kubernetes:core/v1:ConfigMap::env",
          type: "kubernetes:core/v1:ConfigMap",
          name: "env",
          op: "update",
          properties: [
            { path: 'data["MODE"]', kind: "update", before: "sandbox", after: SCRIPT },
            { path: 'data["KEY"]', kind: "update", before: "[secret]", after: "[secret]" },
          ],
        },
      ],
      counts: { update: 1, same: 3 },
      policies: [
        {
          policyPack: "platform-kubernetes",
          policyName: "k8s-no-privileged",
          level: "mandatory",
          resourceUrn: "urn:pulumi:local::platform::kubernetes:apps/v1:Deployment::d",
          message: `privileged ${SCRIPT}`,
        },
      ],
      diagnostics: [],
      failed: [],
    },
    remediation: { "k8s-no-privileged": "set privileged: false" },
  };
  const html = renderPreviewHtml(report);

  test("self-contained, values escaped, secrets as [secret], the failure in words", () => {
    expect(scriptTags(html)).toEqual([]);
    expect(html).not.toContain(SCRIPT);
    expect(html).toContain("<code>[secret]</code>");
    expect(html).toContain('<span class="badge bad">failed</span>');
    expect(html).toContain("set privileged: false");
    expect(html).toContain("1 mandatory policy violation(s)");
  });
});

describe("agent pages", () => {
  const view = (): EnvironmentView => ({
    status: {
      name: "local",
      phase: "Stalled",
      lastAppliedRevision: "a".repeat(40),
      lastAttemptedRevision: "b".repeat(40),
      lastAppliedAt: "2026-01-02T00:00:00.000Z",
      conditions: [
        { type: "Ready", status: "False", reason: "PolicyViolation", message: "m" },
        { type: "Stalled", status: "True", reason: "PolicyViolation", message: `revision b: ${SCRIPT}` },
      ],
      drift: { status: "drifted", drifted: 2, checkedAt: "2026-01-02T00:01:00.000Z" },
      suspended: false,
    },
    applied: {
      sha: "a".repeat(40),
      short: "aaaaaaaaaaaa",
      subject: `feat: ${SCRIPT}`,
      author: "Ana",
      url: `https://github.com/o/r/commit/${"a".repeat(40)}`,
    },
    pending: {
      commit: { sha: "b".repeat(40), short: "bbbbbbbbbbbb" },
      phase: "Stalled",
      reason: "PolicyViolation",
      message: `revision b: ${SCRIPT}`,
      policies: {
        packs: [{ name: "platform-policies@v0.1.0", passed: false }],
        violations: [
          { level: "mandatory", policy: "k8s-no-privileged", resource: "Deployment: d", message: "no" },
        ],
      },
    },
    drift: sampleReport(),
    appliedPolicies: { packs: [{ name: "platform-policies@v0.1.0", passed: true }], violations: [] },
    history: [
      {
        version: 3,
        kind: "up",
        engineKind: "update",
        result: "succeeded",
        startTime: "2026-01-01T00:00:00.000Z",
        dirty: false,
        resourceChanges: { same: 52 },
        commit: "aaaaaaaaaaaa",
        author: "Ana",
        pr: "12",
        durationSeconds: 4.25,
        workloads: ["web-oci", "<b>x</b>"],
        message: "",
      },
    ],
    locks: ["locked by dev@host (pid 1) since t: still running [f]"],
    pendingOperations: [],
  });

  test("the overview: phase, conditions, linked short commit, drift count, pending revision, suspended, all escaped", () => {
    const html = renderOverview([view()]);
    expect(html).toContain('<a href="/environments/local"><strong>local</strong></a>');
    expect(html).toContain(
      `<a href="https://github.com/o/r/commit/${"a".repeat(40)}"><code>aaaaaaaaaaaa</code></a>`,
    );
    expect(html).toContain("drifted: 2 resource(s)");
    expect(html).toContain("Stalled=True (PolicyViolation)");
    expect(html).toContain("<code>bbbbbbbbbbbb</code>");
    expect(scriptTags(html)).toEqual(['<script src="/assets/live.js" defer>']);
    expect(html).not.toContain(SCRIPT);
  });

  test("the environment page: refused revision, drift sections, both policy results, history, locks", () => {
    const html = renderEnvironment(view());
    expect(scriptTags(html)).toEqual(['<script src="/assets/live.js" defer>']);
    expect(html).not.toContain(SCRIPT);
    for (const text of [
      "Refused or pending revision",
      "<strong>PolicyViolation</strong>",
      "Drift (live world vs state)",
      "Pending code changes (code vs state; not drift)",
      "Resources by component",
      "app: checkout (2 drifted)",
      "last apply",
      "No policy violations reported.",
      "revision bbbbbbbbbbbb (Stalled)",
      "<code>k8s-no-privileged</code>",
      "#12",
      "4.3 s",
      "lock: locked by dev@host",
      `<th scope="col">workloads changed</th>`,
      "web-oci, &lt;b&gt;x&lt;/b&gt;",
    ])
      expect(html).toContain(text);
    // headings are nested: h1, then h2 sections, the drift report's own sections as h3
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain('<h3 id="drift">Drift (live world vs state)</h3>');
  });
});

test("the environment page lists the units (as the status orders them), every value escaped", () => {
  const base: EnvironmentView = {
    status: {
      name: "local",
      phase: "Stalled",
      conditions: [],
      drift: { status: "in-sync", drifted: 0 },
      suspended: false,
      units: [
        {
          name: "payments",
          phase: "Stalled",
          lastAppliedRevision: "a".repeat(40),
          lastAttemptedRevision: "b".repeat(40),
          reason: "PolicyViolation",
          message: `refused ${SCRIPT}`,
        },
        { name: "search", phase: "Ready", reason: "Applied", message: "applied" },
      ],
    },
    history: [],
    locks: [],
    pendingOperations: [],
  };
  const html = renderEnvironment(base);
  expect(html).toContain("<h2>Units</h2>");
  const units = html.slice(html.indexOf("<h2>Units</h2>"));
  expect(units.indexOf("payments")).toBeLessThan(units.indexOf("search"));
  expect(units).toContain('<code title="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">aaaaaaaaaaaa</code>');
  expect(units).toContain("refused &lt;script&gt;");
  expect(html).not.toContain(SCRIPT);
  expect(renderEnvironment({ ...base, status: { ...base.status, units: undefined } })).not.toContain(
    "<h2>Units</h2>",
  );
});
