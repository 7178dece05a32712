/**
 * An engine failure's cause reaches the user: the CLI's "Preview failed: 1 error occurred:" is
 * followed by the reason on the next lines, which used to be dropped.
 */
import { errorCause, errorText, occurredCauses } from "../../../ops/engine/causes";

/** As the pinned CLI printed it after `drift --accept` of a `kubectl scale` (before the fix). */
const ENGINE_OUTPUT = `Command failed with exit code 255: pulumi preview --stack local
code: 255
stdout: Previewing update (local):
    Diagnostics:
      kubernetes:apps/v1:Deployment (checkout-local-deployment):
        error: Preview failed: 1 error occurred:
        \t* the Kubernetes API server reported that "payments/checkout" failed to fully initialize or become live: Server-Side Apply field conflict detected.
        The resource managed by field manager "pulumi-kubernetes-13886960" had an apply conflict: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas

    Resources:
        70 unchanged
stderr: error: Preview failed: 1 error occurred:
`;

describe("engine failure causes", () => {
  test("the lines after 'N error occurred:' are the cause", () => {
    expect(occurredCauses(ENGINE_OUTPUT)).toEqual([
      '* the Kubernetes API server reported that "payments/checkout" failed to fully initialize or become live: Server-Side Apply field conflict detected.',
      'The resource managed by field manager "pulumi-kubernetes-13886960" had an apply conflict: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    ]);
  });

  test("the preview report's error and drift's error text both carry the cause", () => {
    const err = new Error(ENGINE_OUTPUT);
    expect(errorCause(err)).toContain(
      'conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    );
    expect(errorCause(err)).toContain("Preview failed: 1 error occurred:");
    expect(errorText(err)).toContain('conflict with "kubectl" with subresource "scale"');
  });
});
