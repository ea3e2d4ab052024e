import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object";
import { PodIndex } from "./node-graph";

function pod(name: string, node: string | undefined, secret = "db", configMap = "settings"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: node,
      volumes: [{ name: "s", secret: { secretName: secret } }],
      containers: [{ name: "c", image: "x", envFrom: [{ configMapRef: { name: configMap } }] }],
    },
  };
}

test("pods index by node and what they reference; moving and deleting pods updates the answers", () => {
  const g = new PodIndex();
  g.put(pod("web", undefined));
  assert.equal(g.podNode("default", "web"), undefined, "unbound pods relate to no node");
  assert.equal(g.nodeReferences("node-a", "Secret", "default", "db"), false);
  g.put(pod("web", "node-a"));
  g.put(pod("web2", "node-a"));
  assert.equal(g.podNode("default", "web"), "node-a");
  assert.equal(g.nodeReferences("node-a", "Secret", "default", "db"), true);
  assert.equal(g.nodeReferences("node-a", "ConfigMap", "default", "settings"), true);
  assert.equal(g.nodeReferences("node-b", "Secret", "default", "db"), false);
  assert.equal(g.nodeReferences("node-a", "ConfigMap", "default", "db"), false, "kinds are distinct");
  assert.equal(g.nodeReferences("node-a", "Secret", "other", "db"), false, "namespaces are distinct");
  g.delete(pod("web", "node-a"));
  assert.equal(g.nodeReferences("node-a", "Secret", "default", "db"), true, "web2 still uses it");
  g.put(pod("web2", "node-a", "other-secret"));
  assert.equal(g.nodeReferences("node-a", "Secret", "default", "db"), false);
  assert.equal(g.nodeReferences("node-a", "Secret", "default", "other-secret"), true);
  g.delete(pod("web2", "node-a"));
  assert.equal(g.podNode("default", "web2"), undefined);
  assert.equal(g.nodeReferences("node-a", "Secret", "default", "other-secret"), false);
});
