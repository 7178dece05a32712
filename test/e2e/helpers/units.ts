/** What the units e2e files share (test/e2e/units.test.ts, units-agent.test.ts). */

/** A Deployment that `k8s-no-privileged` refuses: a tenant's change that must stall its unit only. */
export const PRIVILEGED_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: debug-shell }
spec:
  replicas: 1
  selector: { matchLabels: { app: debug-shell } }
  template:
    metadata: { labels: { app: debug-shell } }
    spec:
      containers:
        - name: shell
          image: registry.k8s.io/pause:3.10
          securityContext: { privileged: true }
`;
