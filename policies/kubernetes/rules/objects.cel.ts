/**
 * CEL forms (ValidatingAdmissionPolicy) of the object rules in ./objects.ts: labels, namespaces,
 * service types, service account tokens and plaintext Secrets; same names and messages.
 */
import { CelRule, SUBJECT, cel, configStrings, podVariables } from "../cel/lib";
import { SOPS_SECRET_TYPE } from "../../../model/sops";

export const objectCel: CelRule[] = [
  {
    name: "k8s-required-labels",
    message: "Kubernetes objects must carry the recommended app.kubernetes.io labels.",
    match: "all",
    variables: (config) => [
      SUBJECT,
      {
        name: "missing",
        expression: `${cel(configStrings(config, "labels"))}.filter(k, !has(object.metadata.labels) || !(k in object.metadata.labels) || object.metadata.labels[k] == '')`,
      },
      {
        name: "findings",
        expression:
          "size(variables.missing) > 0 ? [variables.subject + ' is missing the label(s) ' + variables.missing.join(', ') + ' in metadata.labels; add them.'] : []",
      },
    ],
  },
  {
    // In the API server every namespaced object has a namespace (kubectl and the URL fill it in):
    // "not set" arrives as "default", so the admission message is always the "default" one.
    name: "k8s-no-default-namespace",
    message: "Namespaced objects must set metadata.namespace to a namespace other than default.",
    match: "namespaced",
    variables: () => [
      SUBJECT,
      {
        name: "findings",
        expression: `request.namespace == 'default' ? [variables.subject + ' sets metadata.namespace to "default"; move it to the tenant\\'s namespace.'] : []`,
      },
    ],
  },
  {
    name: "k8s-service-types",
    message: "Services must not be NodePort, and LoadBalancer only in the allowed namespaces.",
    match: "services",
    variables: (config) => {
      const allowed = configStrings(config, "loadBalancerNamespaces");
      return [
        SUBJECT,
        {
          name: "findings",
          expression:
            `!has(object.spec.type) ? [] : object.spec.type == 'NodePort' ? [variables.subject + ' sets spec.type to NodePort, which opens a port on every node; use ClusterIP behind the ingress.'] : ` +
            `object.spec.type == 'LoadBalancer' && !(request.namespace in ${cel(allowed)}) ? [variables.subject + ' sets spec.type to LoadBalancer in namespace "' + request.namespace + '", where only ' + ${cel(allowed.join(", ") || "no namespace")} + ' may; use ClusterIP behind the ingress.'] : []`,
        },
      ];
    },
  },
  {
    name: "k8s-no-automount-sa-token",
    message: "Service account tokens must not be mounted automatically unless the object opts in.",
    match: "pods-and-service-accounts",
    variables: (config) => {
      const annotation = cel(String(config.optInAnnotation ?? ""));
      const optedIn = (meta: string) =>
        `(has(${meta}.annotations) && ${annotation} in ${meta}.annotations && ${meta}.annotations[${annotation}] == 'true')`;
      const templateOptedIn =
        "(object.kind == 'CronJob' ? has(object.spec.jobTemplate.spec.template.metadata) && " +
        optedIn("object.spec.jobTemplate.spec.template.metadata") +
        " : object.kind != 'Pod' && has(object.spec.template.metadata) && " +
        optedIn("object.spec.template.metadata") +
        ")";
      return [
        ...podVariables(),
        {
          name: "findings",
          expression:
            `object.kind == 'ServiceAccount' ? (${optedIn("object.metadata")} || (has(object.automountServiceAccountToken) && object.automountServiceAccountToken == false) ? [] : ` +
            `[variables.subject + ' does not set automountServiceAccountToken to false; set it, or annotate ' + ${annotation} + ': "true" to opt in.']) : ` +
            `${optedIn("object.metadata")} || ${templateOptedIn} || !(has(variables.spec.automountServiceAccountToken) && variables.spec.automountServiceAccountToken == true) ? [] : ` +
            `[variables.subject + ' sets automountServiceAccountToken to true in its pod spec without the ' + ${annotation} + ' annotation; set it to false or opt in.']`,
        },
      ];
    },
  },
  {
    // The API server folds stringData into data before admission: the message names data. The
    // SOPS type is accepted here (admission sees no parent component); preview and deploy refuse
    // it on anything but the platform's AppSopsSecret.
    name: "k8s-no-plaintext-secret",
    message: "Secrets must not carry literal data; source them from the secret store with an ExternalSecret.",
    match: "secrets",
    variables: (config) => [
      SUBJECT,
      {
        name: "findings",
        expression:
          `object.kind != 'Secret' || (has(object.type) && object.type in ${cel([...configStrings(config, "allowedTypes"), SOPS_SECRET_TYPE])}) ? [] : ` +
          `(has(object.data) && size(object.data) > 0 ? [variables.subject + ' holds literal data (' + object.data.map(k, k).join(', ') + '); remove data and use an ExternalSecret that reads the secret store.'] : []) + ` +
          `(has(object.stringData) && size(object.stringData) > 0 ? [variables.subject + ' holds literal stringData (' + object.stringData.map(k, k).join(', ') + '); remove stringData and use an ExternalSecret that reads the secret store.'] : [])`,
      },
    ],
  },
];
