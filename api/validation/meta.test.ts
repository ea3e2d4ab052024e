import { test } from "node:test";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { edit, pod, withResourceVersion } from "./testing/fixtures";

const NAME_PART = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

test("label keys: optional DNS prefix, 63-character name; values are label values", () => {
  const p = edit(pod(), (o) => {
    o.metadata.labels = {
      "example.com/app": "ok",
      "Bad_Prefix/x": "ok",
      ["a".repeat(64)]: "ok",
      "/x": "ok",
      "a/b/c": "ok",
      good: "bad value!",
    };
  });
  const causes = validateCreate("Pod", p);
  assertCause(
    causes,
    "metadata.labels",
    `Invalid value: "Bad_Prefix/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  assertCause(causes, "metadata.labels", `Invalid value: "${"a".repeat(64)}": name part must be no more than 63 characters`);
  assertCause(causes, "metadata.labels", 'Invalid value: "/x": prefix part must be non-empty');
  assertCause(
    causes,
    "metadata.labels",
    `Invalid value: "a/b/c": a valid label key ${NAME_PART.replace("name part ", "")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  );
  assertCause(
    causes,
    "metadata.labels",
    `Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  );
  assertValid(validateCreate("Pod", edit(pod(), (o) => (o.metadata.labels = { "app.kubernetes.io/name": "web", empty: "" }))));
});

test("annotations: qualified keys (any case) and 256 KiB in total", () => {
  assertValid(validateCreate("Pod", edit(pod(), (o) => (o.metadata.annotations = { "Example.COM/Note": "x" }))));
  const big = edit(pod(), (o) => (o.metadata.annotations = { a: "x".repeat(256 * 1024) }));
  assertCauses(validateCreate("Pod", big), [["metadata.annotations", "Too long: must have at most 262144 bytes"]]);
  const justFits = edit(pod(), (o) => (o.metadata.annotations = { a: "x".repeat(256 * 1024 - 1) }));
  assertValid(validateCreate("Pod", justFits));
});

test("namespaced kinds need a namespace; cluster-scoped kinds refuse one", () => {
  const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", namespace: "default" }, spec: { finalizers: ["kubernetes"] } };
  assertCauses(validateCreate("Namespace", ns), [["metadata.namespace", "Forbidden: not allowed on this type"]]);
  const p = edit(pod(), (o) => (o.metadata.namespace = "Bad_NS"));
  assertCause(validateCreate("Pod", p), "metadata.namespace", `Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
});

test("finalizers must be standard or qualified, and orphan excludes foregroundDeletion", () => {
  const p = edit(pod(), (o) => (o.metadata.finalizers = ["example.com/cleanup", "custom", "orphan", "foregroundDeletion"]));
  const causes = validateCreate("Pod", p);
  assertCause(causes, "metadata.finalizers[1]", 'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified');
  assertCause(causes, "metadata.finalizers", 'Invalid value: ["example.com/cleanup","custom","orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set');
});

test("generateName is checked as a prefix (a trailing dash is fine)", () => {
  const p = edit(pod(), (o) => (o.metadata.generateName = "web-"));
  assertValid(validateCreate("Pod", p));
  const bad = edit(pod(), (o) => (o.metadata.generateName = "Web-"));
  assertCause(validateCreate("Pod", bad), "metadata.generateName", `Invalid value: "Web-": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
});

test("owner references need apiVersion, kind, name and uid, and one controller at most", () => {
  const p = edit(pod(), (o) => {
    o.metadata.ownerReferences = [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "a", uid: "1", controller: true },
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "b", uid: "", controller: true },
    ];
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "metadata.ownerReferences.uid", 'Invalid value: "": must not be empty');
  assertCause(
    causes,
    "metadata.ownerReferences",
    'Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
  );
});

test("update: name, namespace, uid and creationTimestamp are immutable", () => {
  const old = withResourceVersion(pod());
  const next = edit(old, (o) => {
    o.metadata.name = "other";
    o.metadata.namespace = "kube-system";
    o.metadata.uid = "different";
    o.metadata.creationTimestamp = "2020-01-01T00:00:00Z";
  });
  const causes = validateUpdate("Pod", next, old);
  assertCause(causes, "metadata.name", 'Invalid value: "other": field is immutable');
  assertCause(causes, "metadata.namespace", 'Invalid value: "kube-system": field is immutable');
  assertCause(causes, "metadata.uid", 'Invalid value: "different": field is immutable');
  assertCause(causes, "metadata.creationTimestamp", "Invalid value: 2020-01-01 00:00:00 +0000 UTC: field is immutable");
});

test("update: resourceVersion required, generation never decreases, no new finalizers while deleting", () => {
  const old = edit(withResourceVersion(pod()), (o) => {
    o.metadata.generation = 3;
    o.metadata.deletionTimestamp = "2024-05-01T10:00:30Z";
    o.metadata.deletionGracePeriodSeconds = 30;
    o.metadata.finalizers = ["example.com/a"];
  });
  const next = edit(old, (o) => {
    delete o.metadata.resourceVersion;
    o.metadata.generation = 2;
    o.metadata.finalizers = ["example.com/a", "example.com/b"];
  });
  const causes = validateUpdate("Pod", next, old);
  assertCause(causes, "metadata.resourceVersion", 'Invalid value: "": must be specified for an update');
  assertCause(causes, "metadata.generation", "Invalid value: 2: must not be decremented");
  assertCause(causes, "metadata.finalizers", 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}');
});
