import { test } from "node:test";
import assert from "node:assert/strict";
import type { Answer } from "dns-packet";
import { resolve, type Resolution } from "./answer";
import { CLUSTER_RANGES, fixtureCatalog } from "./testing/catalog-fixture";
import { CatalogDnsView } from "./view";

const NOW = 1_700_000_000_000;
const view = new CatalogDnsView(fixtureCatalog(3), () => ({ clusterDomain: "cluster.local", clusterRanges: CLUSTER_RANGES }), () => NOW);
const SERIAL = NOW / 1000;

function show(a: Answer): string {
  const d = (a as { data: unknown }).data;
  let data: string;
  if (a.type === "SRV") {
    const s = d as { priority: number; weight: number; port: number; target: string };
    data = `${s.priority} ${s.weight} ${s.port} ${s.target}`;
  } else if (a.type === "SOA") {
    const s = d as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
    data = `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
  } else data = String(d);
  return `${a.name} ${(a as { ttl: number }).ttl} ${a.type} ${data}`;
}

function ask(name: string, type: string): { rcode: string; answers: string[]; authorities: string[]; additionals: string[]; forward: boolean; chase?: Resolution["chase"] } {
  const r = resolve({ name, type }, view);
  return { rcode: r.rcode, forward: r.forward, answers: r.answers.map(show), authorities: r.authorities.map(show), additionals: r.additionals.map(show), ...(r.chase ? { chase: r.chase } : {}) };
}

const SOA = `cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local ${SERIAL} 7200 1800 86400 5`;
const nodata = { rcode: "NOERROR", forward: false, answers: [], authorities: [SOA], additionals: [] };
const nxdomain = { ...nodata, rcode: "NXDOMAIN" };
const only = (...answers: string[]) => ({ rcode: "NOERROR", forward: false, answers, authorities: [], additionals: [] });

test("A: a ClusterIP Service, kubernetes.default, case kept from the question, 5 s TTL", () => {
  assert.deepEqual(ask("web.prod.svc.cluster.local", "A"), only("web.prod.svc.cluster.local 5 A 10.96.5.5"));
  assert.deepEqual(ask("kubernetes.default.svc.cluster.local.", "A"), only("kubernetes.default.svc.cluster.local 5 A 10.96.0.1"));
  assert.deepEqual(ask("WEB.Prod.SVC.cluster.LOCAL", "A"), only("WEB.Prod.SVC.cluster.LOCAL 5 A 10.96.5.5"));
  assert.deepEqual(ask("_http._tcp.web.prod.svc.cluster.local", "A"), only("_http._tcp.web.prod.svc.cluster.local 5 A 10.96.5.5"));
});

test("AAAA of IPv4 Services and other types: NODATA with the zone's SOA", () => {
  assert.deepEqual(ask("web.prod.svc.cluster.local", "AAAA"), nodata);
  assert.deepEqual(ask("web.prod.svc.cluster.local", "TXT"), nodata);
  assert.deepEqual(ask("web.prod.svc.cluster.local", "PTR"), nodata);
  assert.deepEqual(ask("db.prod.svc.cluster.local", "AAAA"), nodata);
});

test("headless: every published endpoint, endpoint names by hostname or dashed address", () => {
  assert.deepEqual(ask("db.prod.svc.cluster.local", "A"), only("db.prod.svc.cluster.local 5 A 10.244.1.20", "db.prod.svc.cluster.local 5 A 10.244.2.21", "db.prod.svc.cluster.local 5 A 10.244.2.22"));
  assert.deepEqual(ask("db-0.db.prod.svc.cluster.local", "A"), only("db-0.db.prod.svc.cluster.local 5 A 10.244.1.20"));
  assert.deepEqual(ask("10-244-2-22.db.prod.svc.cluster.local", "A"), only("10-244-2-22.db.prod.svc.cluster.local 5 A 10.244.2.22"));
  assert.deepEqual(ask("db-3.db.prod.svc.cluster.local", "A"), nxdomain, "not ready: not published");
  assert.deepEqual(ask("pub.prod.svc.cluster.local", "A"), only("pub.prod.svc.cluster.local 5 A 10.244.2.40"), "publishNotReadyAddresses");
  assert.deepEqual(ask("raw.prod.svc.cluster.local", "A"), only("raw.prod.svc.cluster.local 5 A 10.244.1.30"), "a headless Service without ports");
  assert.deepEqual(ask("10-244-1-7.web.prod.svc.cluster.local", "A"), only("10-244-1-7.web.prod.svc.cluster.local 5 A 10.244.1.7"), "endpoint names of ClusterIP Services too");
});

test("SRV for named ports: the Service's name for ClusterIP, each endpoint's for headless, with A additionals", () => {
  assert.deepEqual(ask("_http._tcp.web.prod.svc.cluster.local", "SRV"), {
    rcode: "NOERROR",
    forward: false,
    answers: ["_http._tcp.web.prod.svc.cluster.local 5 SRV 0 100 80 web.prod.svc.cluster.local"],
    authorities: [],
    additionals: ["web.prod.svc.cluster.local 5 A 10.96.5.5"],
  });
  assert.deepEqual(ask("web.prod.svc.cluster.local", "SRV").answers, [
    "web.prod.svc.cluster.local 5 SRV 0 50 80 web.prod.svc.cluster.local",
    "web.prod.svc.cluster.local 5 SRV 0 50 9090 web.prod.svc.cluster.local",
  ]);
  assert.deepEqual(ask("_pg._TCP.db.prod.svc.cluster.local", "SRV"), {
    rcode: "NOERROR",
    forward: false,
    answers: [
      "_pg._TCP.db.prod.svc.cluster.local 5 SRV 0 33 5432 db-0.db.prod.svc.cluster.local",
      "_pg._TCP.db.prod.svc.cluster.local 5 SRV 0 33 5432 db-1.db.prod.svc.cluster.local",
      "_pg._TCP.db.prod.svc.cluster.local 5 SRV 0 33 5432 10-244-2-22.db.prod.svc.cluster.local",
    ],
    authorities: [],
    additionals: ["db-0.db.prod.svc.cluster.local 5 A 10.244.1.20", "db-1.db.prod.svc.cluster.local 5 A 10.244.2.21", "10-244-2-22.db.prod.svc.cluster.local 5 A 10.244.2.22"],
  });
  assert.deepEqual(ask("_dns._udp.kube-dns.kube-system.svc.cluster.local", "SRV").answers, ["_dns._udp.kube-dns.kube-system.svc.cluster.local 5 SRV 0 100 53 kube-dns.kube-system.svc.cluster.local"]);
  assert.deepEqual(ask("_http._udp.web.prod.svc.cluster.local", "SRV"), nxdomain, "no such port: no such name");
  assert.deepEqual(ask("raw.prod.svc.cluster.local", "SRV"), nodata, "no ports: addresses but no SRV");
});

test("ExternalName: a CNAME, chased upstream outside the zone and here inside it", () => {
  assert.deepEqual(ask("ext.prod.svc.cluster.local", "A"), { ...only("ext.prod.svc.cluster.local 5 CNAME db.example.test"), chase: { name: "db.example.test", type: "A" } });
  assert.deepEqual(ask("ext.prod.svc.cluster.local", "CNAME"), only("ext.prod.svc.cluster.local 5 CNAME db.example.test"));
  assert.deepEqual(ask("ext.prod.svc.cluster.local", "SRV"), nodata);
  assert.deepEqual(ask("x.ext.prod.svc.cluster.local", "A"), nxdomain, "an ExternalName has no endpoints");
  assert.deepEqual(ask("alias.prod.svc.cluster.local", "A"), only("alias.prod.svc.cluster.local 5 CNAME web.prod.svc.cluster.local", "web.prod.svc.cluster.local 5 A 10.96.5.5"));
});

test("pods: a-b-c-d.<ns>.pod answers that address without checking it", () => {
  assert.deepEqual(ask("10-244-1-7.prod.pod.cluster.local", "A"), only("10-244-1-7.prod.pod.cluster.local 5 A 10.244.1.7"));
  assert.deepEqual(ask("10-244-1-7.anything.pod.cluster.local", "A"), only("10-244-1-7.anything.pod.cluster.local 5 A 10.244.1.7"));
  assert.deepEqual(ask("10-244-1-7.prod.pod.cluster.local", "AAAA"), nodata);
  assert.deepEqual(ask("10-244-1-999.prod.pod.cluster.local", "A"), nxdomain);
  assert.deepEqual(ask("web.prod.pod.cluster.local", "A"), nxdomain);
  assert.deepEqual(ask("prod.pod.cluster.local", "A"), nodata);
});

test("PTR: cluster IPs name their Service, endpoint addresses their endpoint", () => {
  assert.deepEqual(ask("5.5.96.10.in-addr.arpa", "PTR"), only("5.5.96.10.in-addr.arpa 5 PTR web.prod.svc.cluster.local"));
  assert.deepEqual(ask("10.0.96.10.in-addr.arpa.", "PTR"), only("10.0.96.10.in-addr.arpa 5 PTR kube-dns.kube-system.svc.cluster.local"));
  assert.deepEqual(ask("20.1.244.10.in-addr.arpa", "PTR"), only("20.1.244.10.in-addr.arpa 5 PTR db-0.db.prod.svc.cluster.local"));
  assert.deepEqual(ask("7.1.244.10.in-addr.arpa", "PTR"), only("7.1.244.10.in-addr.arpa 5 PTR 10-244-1-7.web.prod.svc.cluster.local"));
  const reverseSoa = `in-addr.arpa 5 SOA ns.dns.in-addr.arpa hostmaster.in-addr.arpa ${SERIAL} 7200 1800 86400 5`;
  assert.deepEqual(ask("99.99.244.10.in-addr.arpa", "PTR"), { ...nxdomain, authorities: [reverseSoa] }, "unknown addresses of the cluster ranges never go upstream");
  assert.deepEqual(ask("8.2.244.10.in-addr.arpa", "PTR"), { ...nxdomain, authorities: [reverseSoa] }, "not-ready endpoints have no PTR");
  assert.deepEqual(ask("5.5.96.10.in-addr.arpa", "A"), { ...nodata, authorities: [reverseSoa] });
  assert.equal(ask("1.2.0.192.in-addr.arpa", "PTR").forward, true, "other addresses: upstream");
});

test("NXDOMAIN with the SOA for names that cannot exist; NODATA for names that exist without records", () => {
  for (const name of [
    "missing.prod.svc.cluster.local",
    "web.nope.svc.cluster.local",
    "foo.cluster.local",
    "a.b.c.web.prod.svc.cluster.local",
    "example.com.prod.svc.cluster.local",
    "nope.svc.cluster.local",
  ]) {
    assert.deepEqual(ask(name, "A"), nxdomain, name);
  }
  for (const name of ["cluster.local", "svc.cluster.local", "pod.cluster.local", "prod.svc.cluster.local"]) assert.deepEqual(ask(name, "A"), nodata, name);
});

test("the zone apex: SOA, NS at ns.dns (the kube-dns Service), dns-version", () => {
  assert.deepEqual(ask("cluster.local", "SOA"), only(SOA));
  assert.deepEqual(ask("cluster.local", "NS"), { ...only("cluster.local 5 NS ns.dns.cluster.local"), additionals: ["ns.dns.cluster.local 5 A 10.96.0.10"] });
  assert.deepEqual(ask("ns.dns.cluster.local", "A"), only("ns.dns.cluster.local 5 A 10.96.0.10"));
  assert.deepEqual(ask("dns-version.cluster.local", "TXT"), only("dns-version.cluster.local 28800 TXT 1.1.0"));
});

test("names outside the zone are forwarded", () => {
  for (const name of ["example.com", "cluster.local.example.com", "xcluster.local", "localhost"]) assert.equal(ask(name, "A").forward, true, name);
});

test("the view follows the catalog and the node's domain", () => {
  const catalog = fixtureCatalog(1);
  let domain = "cluster.local";
  let now = NOW;
  const v = new CatalogDnsView(catalog, () => ({ clusterDomain: domain, clusterRanges: CLUSTER_RANGES }), () => now);
  assert.equal(resolve({ name: "5.5.96.10.in-addr.arpa", type: "PTR" }, v).answers.length, 1);
  now += 60_000;
  catalog.apply({ full: false, upsert: [], remove: ["prod/web"] });
  assert.equal(resolve({ name: "5.5.96.10.in-addr.arpa", type: "PTR" }, v).rcode, "NXDOMAIN", "the reverse index is rebuilt");
  assert.equal(v.serial(), SERIAL + 60, "the SOA serial moves with the catalog");
  domain = "corp.internal";
  assert.equal(resolve({ name: "kubernetes.default.svc.corp.internal", type: "A" }, v).answers.length, 1);
  assert.equal(resolve({ name: "kubernetes.default.svc.cluster.local", type: "A" }, v).forward, true);
  v.close();
});
