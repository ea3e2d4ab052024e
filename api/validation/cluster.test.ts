import { test } from "node:test";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";

const ns = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: "Namespace",
  metadata: { name, resourceVersion: "3", ...extra },
  spec: { finalizers: ["kubernetes"] },
  status: { phase: "Active" },
});

test("namespace names are DNS labels; finalizers must be standard or qualified", () => {
  assertValid(validateCreate("Namespace", ns("team-a")));
  assertCause(validateCreate("Namespace", ns("team.a")), "metadata.name", 'Invalid value: "team.a": must not contain dots');
  const bad = { ...ns("x"), spec: { finalizers: ["mine"] } };
  assertCauses(validateCreate("Namespace", bad), [["spec.finalizers", 'Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified']]);
});

test("namespace status follows deletion", () => {
  const old = ns("a");
  assertCause(validateUpdate("Namespace", { ...old, status: { phase: "Terminating" } }, old, "status"), "status.Phase", "Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty");
  const finalize = { ...old, spec: { finalizers: ["oops"] } };
  assertCauses(validateUpdate("Namespace", finalize, old, "finalize"), [["spec.finalizers[0]", 'Invalid value: "oops": name is neither a standard finalizer name nor is it fully qualified']]);
});

const node = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) => ({
  kind: "Node",
  metadata: { name: "node-1", resourceVersion: "9" },
  spec,
  status,
});

test("node taints are unique by key and effect; capacity is non-negative; pod CIDRs are CIDRs", () => {
  assertValid(validateCreate("Node", node({ podCIDRs: ["10.244.1.0/24"] }, { capacity: { cpu: "4", memory: "8Gi" } })));
  const causes = validateCreate(
    "Node",
    node(
      { taints: [{ key: "a", effect: "NoSchedule" }, { key: "a", value: "2", effect: "NoSchedule" }, { key: "b", effect: "Sometimes" }], podCIDRs: ["10.244.1.0/33"] },
      { capacity: { cpu: "-1" } },
    ),
  );
  assertCause(causes, "metadata.taints[1]", 'Duplicate value: core.Taint{Key:"a", Value:"2", Effect:"NoSchedule", TimeAdded:<nil>}: taints must be unique by key and effect pair');
  assertCause(causes, "metadata.taints[2].effect", 'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"');
  assertCause(causes, "status.capacity.cpu", 'Invalid value: "-1": must be greater than or equal to 0');
  assertCause(causes, "spec.podCIDRs[0]", 'Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
});

test("a node's pod CIDR is fixed once assigned", () => {
  const old = node({ podCIDRs: ["10.244.1.0/24"] });
  assertCauses(validateUpdate("Node", node({ podCIDRs: ["10.244.2.0/24"] }), old), [["spec.podCIDRs", 'Forbidden: node updates may not change podCIDR except from "" to valid']]);
  assertValid(validateUpdate("Node", node({ podCIDRs: ["10.244.1.0/24"], unschedulable: true }), old));
});

test("core/v1 events: namespaces must agree; newer events name their reporter", () => {
  const base = { kind: "Event", metadata: { name: "web.17c4", namespace: "default" }, involvedObject: { kind: "Pod", name: "web", namespace: "default" }, reason: "Started" };
  assertValid(validateCreate("Event", base));
  assertCauses(validateCreate("Event", { ...base, involvedObject: { ...base.involvedObject, namespace: "other" } }), [
    ["involvedObject.namespace", 'Invalid value: "other": does not match event.namespace'],
  ]);
  const modern = validateCreate("Event", { ...base, eventTime: "2024-05-01T10:00:00.000000Z", reportingInstance: "", action: "Pull" });
  assertCause(modern, "reportingController", "Required value");
  assertCause(modern, "reportingInstance", "Required value");
});

test("service accounts, endpoints and leases", () => {
  assertCause(validateCreate("ServiceAccount", { kind: "ServiceAccount", metadata: { name: "Builder", namespace: "default" } }), "metadata.name", `Invalid value: "Builder": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
  const ep = validateCreate("Endpoints", {
    kind: "Endpoints",
    metadata: { name: "web", namespace: "default" },
    subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ port: 80, protocol: "TCP" }, { port: 81, protocol: "TCP", name: "b" }] }, { ports: [] }],
  });
  assertCause(ep, "subsets[0].addresses[0].ip", 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)');
  assertCause(ep, "subsets[0].ports[0].name", "Required value");
  assertCause(ep, "subsets[1]", "Required value: must specify `addresses` or `notReadyAddresses`");
  const lease = validateCreate("Lease", { kind: "Lease", metadata: { name: "gantry-leader", namespace: "kube-system" }, spec: { leaseDurationSeconds: 0 } });
  assertCauses(lease, [["spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0"]]);
});

test("HPA: min ≤ max, a scale target, well-formed metrics and behavior", () => {
  const hpa = (spec: Record<string, unknown>) => ({ kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "default" }, spec });
  const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
  assertValid(validateCreate("HorizontalPodAutoscaler", hpa({ scaleTargetRef: target, minReplicas: 1, maxReplicas: 3 })));
  const causes = validateCreate(
    "HorizontalPodAutoscaler",
    hpa({
      scaleTargetRef: { kind: "Deployment" },
      minReplicas: 5,
      maxReplicas: 3,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 0 } } }, { type: "Pods" }],
      behavior: { scaleUp: { policies: [] } },
    }),
  );
  assertCause(causes, "spec.maxReplicas", "Invalid value: 3: must be greater than or equal to `minReplicas`");
  assertCause(causes, "spec.scaleTargetRef.name", "Required value");
  assertCause(causes, "spec.metrics[0].resource.target.averageUtilization", "Invalid value: 0: must be greater than 0");
  assertCause(causes, "spec.metrics[1].pods", "Required value: must populate information for the given metric source");
  assertCause(causes, "spec.behavior.scaleUp.policies", "Required value: must specify at least one Policy");
});

test("kinds without specific rules still get metadata rules", () => {
  assertCauses(validateCreate("Widget", { kind: "Widget", metadata: { name: "a/b", namespace: "default" } }), [["metadata.name", `Invalid value: "a/b": may not contain '/'`]]);
});

test("HPA in autoscaling/v1 shape: the CPU target is positive", () => {
  const v1 = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "default" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } };
  assertCauses(validateCreate("HorizontalPodAutoscaler", v1), [["spec.targetCPUUtilizationPercentage", "Invalid value: 0: must be greater than 0"]]);
});
