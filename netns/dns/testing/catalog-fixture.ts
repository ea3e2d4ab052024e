// A hand-made cluster for the DNS tests: Services of every kind the DNS server answers for.

import { ServiceCatalog } from "../../services/catalog";
import { endpoint, port, service } from "../../services/testing/service-fixtures";

/**
 *   default/kubernetes      10.96.0.1   https 443/TCP
 *   kube-system/kube-dns    10.96.0.10  dns 53/UDP, dns-tcp 53/TCP; endpoints 10.244.1.1 (node-a), 10.244.2.1 (node-b)
 *   prod/web                10.96.5.5   http 80/TCP, metrics 9090/TCP; endpoints 10.244.1.7 (ready), 10.244.2.8 (not ready)
 *   prod/db                 headless    pg 5432/TCP; db-0 10.244.1.20, db-1 10.244.2.21, 10.244.2.22, not ready 10.244.2.23
 *   prod/raw                headless, no ports; 10.244.1.30
 *   prod/pub                headless, publishNotReadyAddresses; 10.244.2.40 (not ready)
 *   prod/ext                ExternalName db.example.test
 *   prod/alias              ExternalName web.prod.svc.cluster.local
 *   prod/big                headless, http 80/TCP; `bigCount` endpoints 10.244.3.1..
 */
export function fixtureCatalog(bigCount = 60): ServiceCatalog {
  const http = port("http", 80);
  const pg = port("pg", 5432);
  const catalog = new ServiceCatalog();
  catalog.apply({
    full: true,
    remove: [],
    upsert: [
      service("default", "kubernetes", { clusterIPs: ["10.96.0.1"], ports: [port("https", 443)] }),
      service("kube-system", "kube-dns", {
        clusterIPs: ["10.96.0.10"],
        ports: [port("dns", 53, "UDP"), port("dns-tcp", 53, "TCP")],
        internalTrafficPolicy: "Local",
        endpoints: [endpoint("10.244.1.1", { nodeName: "node-a" }, [port("dns", 53, "UDP"), port("dns-tcp", 53)]), endpoint("10.244.2.1", { nodeName: "node-b" }, [port("dns", 53, "UDP"), port("dns-tcp", 53)])],
      }),
      service("prod", "web", {
        clusterIPs: ["10.96.5.5"],
        ports: [http, port("metrics", 9090)],
        endpoints: [endpoint("10.244.1.7", {}, [http, port("metrics", 9090)]), endpoint("10.244.2.8", { ready: false }, [http])],
      }),
      service("prod", "db", {
        headless: true,
        ports: [pg],
        endpoints: [
          endpoint("10.244.1.20", { hostname: "db-0" }, [pg]),
          endpoint("10.244.2.21", { hostname: "db-1" }, [pg]),
          endpoint("10.244.2.22", {}, [pg]),
          endpoint("10.244.2.23", { ready: false, hostname: "db-3" }, [pg]),
        ],
      }),
      service("prod", "raw", { headless: true, endpoints: [endpoint("10.244.1.30")] }),
      service("prod", "pub", { headless: true, publishNotReadyAddresses: true, ports: [http], endpoints: [endpoint("10.244.2.40", { ready: false }, [http])] }),
      service("prod", "ext", { type: "ExternalName", externalName: "db.example.test" }),
      service("prod", "alias", { type: "ExternalName", externalName: "web.prod.svc.cluster.local" }),
      service("prod", "big", { headless: true, ports: [http], endpoints: Array.from({ length: bigCount }, (_, i) => endpoint(`10.244.3.${i + 1}`, {}, [http])) }),
    ],
  });
  return catalog;
}

export const CLUSTER_RANGES = ["10.244.0.0/16", "10.96.0.0/12"];
