import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults } from "./index";
import { imageTag } from "./image";

const bare = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default" },
  spec: { containers: [{ name: "nginx", image: "nginx" }] },
});

test("pod defaults equal what `kubectl get pod -o yaml` shows on a real cluster", () => {
  // From a kubeadm cluster (v1.30), minus server-set metadata, status and the service-account
  // token volume (Gantry projects no tokens).
  const expected = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: {
      containers: [
        {
          image: "nginx",
          imagePullPolicy: "Always",
          name: "nginx",
          resources: {},
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
        },
      ],
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
      priority: 0,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      serviceAccount: "default",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists", tolerationSeconds: 300 },
        { effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 300 },
      ],
    },
  };
  assert.deepEqual(applyDefaults("Pod", bare()), expected);
});

test("defaulting copies: the input is untouched and a second pass changes nothing", () => {
  const input = bare();
  const once = applyDefaults("Pod", input);
  assert.deepEqual(input, bare());
  assert.deepEqual(applyDefaults("Pod", once), once);
});

test("imagePullPolicy: Always for latest or no tag, IfNotPresent otherwise; set values are kept", () => {
  const policy = (image: string, set?: string) =>
    (applyDefaults("Pod", { ...bare(), spec: { containers: [{ name: "c", image, imagePullPolicy: set }] } }).spec as { containers: { imagePullPolicy: string }[] })
      .containers[0].imagePullPolicy;
  assert.equal(policy("nginx"), "Always");
  assert.equal(policy("nginx:latest"), "Always");
  assert.equal(policy("registry.local:5000/team/app"), "Always");
  assert.equal(policy("nginx:1.25"), "IfNotPresent");
  assert.equal(policy("registry.local:5000/app:v2"), "IfNotPresent");
  assert.equal(policy(`busybox@sha256:${"a".repeat(64)}`), "IfNotPresent");
  assert.equal(policy("nginx", "Never"), "Never");
  assert.equal(imageTag("Nginx"), "");
});

test("ports, probes, env and volumes get their defaults", () => {
  const pod = applyDefaults("Pod", {
    ...bare(),
    spec: {
      containers: [
        {
          name: "c",
          image: "app:1",
          ports: [{ containerPort: 8080 }],
          livenessProbe: { httpGet: { port: 8080 } },
          readinessProbe: { exec: { command: ["true"] }, periodSeconds: 5 },
          env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          resources: { limits: { cpu: "0.5", memory: "128974848" } },
        },
      ],
      volumes: [{ name: "scratch" }, { name: "cfg", configMap: { name: "cfg" } }, { name: "host", hostPath: { path: "/var/log" } }],
    },
  });
  const spec = pod.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const c = spec.containers[0];
  assert.deepEqual(c.ports, [{ containerPort: 8080, protocol: "TCP" }]);
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 8080, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.readinessProbe.periodSeconds, 5);
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, "v1");
  // Requests default to limits (pods only), and quantities come back canonical.
  assert.deepEqual(c.resources, { limits: { cpu: "500m", memory: "128974848" }, requests: { cpu: "500m", memory: "128974848" } });
  assert.deepEqual(spec.volumes, [
    { name: "scratch", emptyDir: {} },
    { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } },
    { name: "host", hostPath: { path: "/var/log", type: "" } },
  ]);
});

test("admission-style defaults respect what the pod already says", () => {
  const pod = applyDefaults("Pod", {
    ...bare(),
    spec: {
      containers: [{ name: "c", image: "app:1" }],
      serviceAccountName: "builder",
      priorityClassName: "system-node-critical",
      tolerations: [{ operator: "Exists" }],
      hostNetwork: true,
    },
  });
  const spec = pod.spec as Record<string, unknown>;
  assert.equal(spec.serviceAccountName, "builder");
  assert.equal(spec.serviceAccount, "builder");
  assert.equal(spec.priority, 2000001000);
  // A toleration of everything already covers not-ready and unreachable.
  assert.deepEqual(spec.tolerations, [{ operator: "Exists" }]);
});

test("host-network pods expose container ports as host ports", () => {
  const pod = applyDefaults("Pod", { ...bare(), spec: { hostNetwork: true, containers: [{ name: "c", image: "a:1", ports: [{ containerPort: 53 }] }] } });
  assert.deepEqual((pod.spec as { containers: { ports: unknown }[] }).containers[0].ports, [{ containerPort: 53, hostPort: 53, protocol: "TCP" }]);
});
