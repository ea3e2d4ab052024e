import { test } from "node:test";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { edit, service, withResourceVersion } from "./testing/fixtures";

test("a defaulted service is valid; headless and ExternalName need no ports", () => {
  assertValid(validateCreate("Service", service()));
  assertValid(validateCreate("Service", service({ clusterIP: "None", ports: [] })));
  assertValid(validateCreate("Service", service({ type: "ExternalName", externalName: "db.example.com", clusterIP: "", ports: [], ipFamilies: undefined, ipFamilyPolicy: undefined })));
});

test("service names are DNS-1035 labels", () => {
  const s = edit(service(), (o) => (o.metadata.name = "1web"));
  assertCauses(validateCreate("Service", s), [
    ["metadata.name", `Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`],
  ]);
});

test("ports are required for a ClusterIP service, named when several, valid and unique", () => {
  assertCause(validateCreate("Service", service({ ports: [] })), "spec.ports", "Required value");
  const s = service({ ports: [{ port: 80 }, { port: 80, name: "b" }, { name: "c", port: 70000, targetPort: "HTTP" }] });
  const causes = validateCreate("Service", s);
  assertCause(causes, "spec.ports[0].name", "Required value");
  assertCause(causes, "spec.ports[2].port", "Invalid value: 70000: must be between 1 and 65535, inclusive");
  assertCause(causes, "spec.ports[2].targetPort", 'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  assertCause(
    causes,
    "spec.ports[1]",
    'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  );
});

test("type is an enum; nodePort needs a NodePort type and the node port range", () => {
  assertCause(validateCreate("Service", service({ type: "Magic" })), "spec.type", 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
  const withNodePort = service({ ports: [{ port: 80, nodePort: 30080 }] });
  assertCause(validateCreate("Service", withNodePort), "spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'");
  const outOfRange = service({ type: "NodePort", ports: [{ port: 80, nodePort: 80 }] });
  assertCause(validateCreate("Service", outOfRange), "spec.ports[0].nodePort", "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767");
});

test("cluster IPs must be IPs and agree with clusterIP", () => {
  const s = edit(service(), (o) => (o.spec.clusterIPs = ["10.96.0.11"]));
  assertCause(validateCreate("Service", s), "spec.clusterIPs", 'Invalid value: []string{"10.96.0.11"}: first value must match `clusterIP`');
  const bad = edit(service(), (o) => {
    o.spec.clusterIP = "10.96.0.300";
    o.spec.clusterIPs = ["10.96.0.300"];
  });
  assertCause(validateCreate("Service", bad), "spec.clusterIPs[0]", 'Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
});

test("the cluster IP is immutable once set", () => {
  const old = withResourceVersion(service());
  const next = edit(old, (o) => {
    o.spec.clusterIP = "10.96.0.99";
    o.spec.clusterIPs = ["10.96.0.99"];
  });
  assertCauses(validateUpdate("Service", next, old), [["spec.clusterIPs[0]", 'Invalid value: []string{"10.96.0.99"}: may not change once set']]);
  assertValid(validateUpdate("Service", edit(old, (o) => (o.spec.ports[0].port = 8080)), old));
});

test("session affinity and traffic policies", () => {
  const s = service({ sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, externalTrafficPolicy: "Local" });
  const causes = validateCreate("Service", s);
  assertCause(causes, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "Invalid value: 0: must be greater than 0 and less than 86400");
  assertCause(causes, "spec.externalTrafficPolicy", 'Invalid value: "Local": may only be set for externally-accessible services');
});
