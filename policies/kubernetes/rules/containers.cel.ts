/**
 * CEL forms (ValidatingAdmissionPolicy) of the container hygiene rules in ./containers.ts: same
 * names and messages. Image references are parsed in CEL the way parseImage() parses them.
 */
import { CelRule, CelVariable, cel, celMap, configStrings, perContainer, podVariables } from "../cel/lib";

/** CEL over `m.rest`: the first path segment is a registry host (parseImage's test). */
const HAS_REGISTRY =
  "(m.rest.contains('/') && (m.rest.split('/')[0].contains('.') || m.rest.split('/')[0].contains(':') || m.rest.split('/')[0] == 'localhost'))";

/**
 * `images`: one entry per container ref with an image: desc, image, digest, tag, registry and the
 * Docker-normalised `registry/repository`, as parseImage() computes them.
 */
const IMAGE_VARIABLES: CelVariable[] = [
  {
    name: "imageRefs",
    expression: `variables.refs.filter(r, has(r.c.image)).map(r, ${celMap({
      desc: "r.desc",
      image: "r.c.image",
      noDigest: "r.c.image.split('@')[0]",
      digest: "r.c.image.contains('@') ? r.c.image.substring(r.c.image.indexOf('@') + 1) : ''",
    })})`,
  },
  {
    name: "images",
    expression: `variables.imageRefs.map(m, ${celMap({
      desc: "m.desc",
      image: "m.image",
      digest: "m.digest",
      tag: "m.noDigest.lastIndexOf(':') > m.noDigest.lastIndexOf('/') ? m.noDigest.substring(m.noDigest.lastIndexOf(':') + 1) : ''",
      rest: "m.noDigest.lastIndexOf(':') > m.noDigest.lastIndexOf('/') ? m.noDigest.substring(0, m.noDigest.lastIndexOf(':')) : m.noDigest",
    })})`,
  },
  {
    name: "parsed",
    expression: `variables.images.map(m, ${celMap({
      desc: "m.desc",
      image: "m.image",
      digest: "m.digest",
      tag: "m.tag",
      registry: `${HAS_REGISTRY} ? m.rest.split('/')[0] : 'docker.io'`,
      normalized: `${HAS_REGISTRY} ? m.rest : 'docker.io/' + (m.rest.contains('/') ? m.rest : 'library/' + m.rest)`,
    })})`,
  },
];

function imageCel(
  name: string,
  message: string,
  findings: (config: Record<string, unknown>) => string,
): CelRule {
  return {
    name,
    message,
    match: "pods",
    variables: (config) => [
      ...podVariables(),
      ...IMAGE_VARIABLES,
      { name: "findings", expression: findings(config) },
    ],
  };
}

const has = (field: string) => `has(r.c.resources) && has(r.c.resources.${field})`;

export const containerCel: CelRule[] = [
  {
    name: "k8s-requests-limits",
    message: "Containers must declare CPU and memory requests and a memory limit.",
    match: "pods",
    variables: () => [
      ...podVariables(),
      {
        name: "missing",
        expression:
          "variables.refs.filter(r, r.kind in ['containers', 'initContainers']).map(r, {'desc': dyn(r.desc), 'missing': dyn([" +
          [
            ["requests", "cpu"],
            ["requests", "memory"],
            ["limits", "memory"],
          ]
            .map(
              ([section, key]) =>
                `${has(section)} && '${key}' in r.c.resources.${section} && string(r.c.resources.${section}['${key}']) != '' ? '' : 'resources.${section}.${key}'`,
            )
            .join(", ") +
          "].filter(s, s != ''))})",
      },
      {
        name: "findings",
        expression:
          "variables.missing.filter(m, size(m.missing) > 0).map(m, variables.subject + ': ' + m.desc + ' does not set ' + m.missing.join(', ') + '; declare them so the scheduler can place the pod and memory is bounded.')",
      },
    ],
  },
  imageCel(
    "k8s-no-latest-tag",
    "Images must be pinned by a tag other than latest, or by digest.",
    () =>
      "variables.parsed.filter(m, m.digest == '' && (m.tag == '' || m.tag == 'latest')).map(m, variables.subject + ': ' + m.desc + ' uses image \"' + m.image + '\" ' + " +
      "(m.tag == '' ? 'without a tag, which means latest' : 'with the mutable tag latest') + '; pin a version tag or a digest.')",
  ),
  imageCel("k8s-allowed-registries", "Images must come from an allowed registry.", (config) => {
    const registries = configStrings(config, "registries");
    const entries = registries.map((e) => e.replace(/\/+$/, "").replace(/\/\*$/, "")).filter((e) => e !== "");
    return (
      `variables.parsed.filter(m, !${cel(entries)}.exists(e, m.registry == e || m.normalized.startsWith(e + '/') || m.image.startsWith(e + '/')))` +
      `.map(m, variables.subject + ': ' + m.desc + ' uses image "' + m.image + '" from ' + m.registry + ', which is not an allowed registry (' + ${cel(registries.join(", "))} + '); mirror it into one of them.')`
    );
  }),
  {
    name: "k8s-probes",
    message: "Long-running containers must declare a readiness probe and a liveness or startup probe.",
    match: "long-running-pods",
    variables: () => [
      ...podVariables(),
      {
        name: "missing",
        expression:
          "variables.refs.filter(r, r.kind == 'containers').map(r, {'desc': dyn(r.desc), 'missing': dyn([" +
          "has(r.c.readinessProbe) ? '' : 'readinessProbe', has(r.c.livenessProbe) || has(r.c.startupProbe) ? '' : 'livenessProbe (or startupProbe)'].filter(s, s != ''))})",
      },
      {
        name: "findings",
        expression:
          "variables.missing.filter(m, size(m.missing) > 0).map(m, variables.subject + ': ' + m.desc + ' has no ' + m.missing.join(' and no ') + '; add them so Kubernetes routes traffic only to healthy pods.')",
      },
    ],
  },
  {
    name: "k8s-no-secret-env-vars",
    message: "Secrets should be mounted as files, not exposed as environment variables.",
    match: "pods",
    variables: () => [
      ...podVariables(),
      {
        name: "findings",
        expression: [
          perContainer(
            "has(r.c.env) && r.c.env.exists(e, has(e.valueFrom) && has(e.valueFrom.secretKeyRef))",
            "r.c.env.transformList(i, e, has(e.valueFrom) && has(e.valueFrom.secretKeyRef), 'reads a Secret into env[' + string(i) + '] (' + e.name + ') via valueFrom.secretKeyRef; mount the Secret as a file instead.')[0]",
          ),
          perContainer(
            "has(r.c.envFrom) && r.c.envFrom.exists(e, has(e.secretRef))",
            "r.c.envFrom.transformList(i, e, has(e.secretRef), 'loads a whole Secret into the environment via envFrom[' + string(i) + '].secretRef; mount it as a volume instead.')[0]",
          ),
        ].join(" + "),
      },
    ],
  },
];
