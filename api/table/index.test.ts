import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { RESOURCES } from "../resources";
import { tableColumns, toTable } from "./index";
import { HOUR, MINUTE, NOW, ago } from "./testing/clock";

function pod(name: string, rv: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: rv, creationTimestamp: ago(5 * MINUTE), labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "nginx" }], nodeName: "node1" },
    status: { phase: "Running", podIP: "10.244.1.9", containerStatuses: [{ name: "web", ready: true, restartCount: 0, image: "nginx", imageID: "", state: { running: {} } }] },
  };
}

test("a list becomes a meta.k8s.io/v1 Table with PartialObjectMetadata rows", () => {
  const table = toTable("Pod", [pod("a", "11"), pod("b", "12")], {
    now: NOW,
    listMeta: { resourceVersion: "42", continue: "", remainingItemCount: undefined },
  });
  assert.equal(table.kind, "Table");
  assert.equal(table.apiVersion, "meta.k8s.io/v1");
  assert.deepEqual(table.metadata, { resourceVersion: "42" });
  assert.deepEqual(
    table.columnDefinitions.map((c) => c.name),
    ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
  );
  assert.deepEqual(table.rows[0].cells, ["a", "1/1", "Running", "0", "5m", "10.244.1.9", "node1", "<none>", "<none>"]);
  assert.deepEqual(table.rows[1].object, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod("b", "12").metadata });
  assert.equal("conditions" in table.rows[0], false);
  // What goes on the wire: every column definition field is present, as Kubernetes sends them.
  const wire = JSON.parse(JSON.stringify(table)) as { columnDefinitions: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(wire.columnDefinitions[0]).sort(), ["description", "format", "name", "priority", "type"]);
});

test("continue tokens and remaining counts are passed through", () => {
  const table = toTable("Pod", [pod("a", "11")], { now: NOW, listMeta: { resourceVersion: "42", continue: "eyJ2IjoibWV0YS", remainingItemCount: 7 } });
  assert.deepEqual(table.metadata, { resourceVersion: "42", continue: "eyJ2IjoibWV0YS", remainingItemCount: 7 });
});

test("a single object (GET or watch event) takes its own resourceVersion", () => {
  assert.deepEqual(toTable("Pod", [pod("a", "11")], { now: NOW }).metadata, { resourceVersion: "11" });
  assert.deepEqual(toTable("Pod", [], { now: NOW }).metadata, {});
  assert.deepEqual(toTable("Pod", [], { now: NOW }).rows, []);
});

test("includeObject=Object embeds the object, None leaves null", () => {
  const p = pod("a", "11");
  assert.equal(toTable("Pod", [p], { now: NOW, includeObject: "Object" }).rows[0].object, p);
  assert.equal(toTable("Pod", [p], { now: NOW, includeObject: "None" }).rows[0].object, null);
});

test("v1beta1 tables and header-less tables for watch events", () => {
  const t = toTable("Pod", [pod("a", "11")], { now: NOW, version: "v1beta1", noHeaders: true });
  assert.equal(t.apiVersion, "meta.k8s.io/v1beta1");
  assert.deepEqual(t.columnDefinitions, []);
  assert.deepEqual(t.rows[0].object, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1beta1", metadata: pod("a", "11").metadata });
});

test("finished pods carry the Completed row condition", () => {
  const done = { ...pod("done", "3"), status: { phase: "Succeeded" } };
  assert.deepEqual(toTable("Pod", [done], { now: NOW }).rows[0].conditions, [
    { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
  ]);
});

test("unknown kinds get Kubernetes' default NAME / CREATED AT table", () => {
  const t = toTable("LimitRange", [{ metadata: { name: "limits", creationTimestamp: "2025-05-31T12:00:00Z" } }], { now: NOW });
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ["Name", "Created At"],
  );
  assert.deepEqual(t.rows[0].cells, ["limits", "2025-05-31T12:00:00Z"]);
  // Inherited object properties are not kinds.
  assert.deepEqual(
    tableColumns("toString").map((c) => c.name),
    ["Name", "Created At"],
  );
});

test("tableColumns returns copies, so callers cannot corrupt later tables", () => {
  const cols = tableColumns("Node");
  cols[0].name = "changed";
  assert.equal(tableColumns("Node")[0].name, "Name");
});

test("every served kind that can be read prints a cell per column, even from a bare object", () => {
  // Create-only kinds (SelfSubjectReview) are answered, never listed: kubectl prints them itself.
  // Upstream prints Roles and ClusterRoles with the default table's columns (NAME, CREATED AT).
  const defaultColumnsUpstream = new Set(["Role", "ClusterRole"]);
  for (const kind of new Set(RESOURCES.filter((r) => r.verbs.includes("get") || r.verbs.includes("list")).map((r) => r.kind))) {
    const table = toTable(kind, [{ metadata: { name: "x", creationTimestamp: ago(HOUR) } }], { now: NOW });
    if (!defaultColumnsUpstream.has(kind)) assert.notDeepEqual(
      table.columnDefinitions.map((c) => c.name),
      ["Name", "Created At"],
      `${kind} has its own printer`,
    );
    assert.equal(table.rows[0].cells.length, table.columnDefinitions.length, kind);
    for (const cell of table.rows[0].cells) assert.ok(["string", "number", "boolean"].includes(typeof cell), `${kind}: ${String(cell)}`);
    const nameColumn = table.columnDefinitions.findIndex((c) => c.format === "name");
    assert.equal(table.rows[0].cells[nameColumn], "x", kind);
  }
});
