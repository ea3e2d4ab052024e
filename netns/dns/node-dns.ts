// The node's cluster DNS server as the agent runs it: listening on UDP and TCP port 53 of the
// node's gateway address (the first host address of its pod CIDR, the `gantry0` bridge's
// address), answering from the service catalog and forwarding the rest upstream.
//
// The address comes from NodeConfig, and the bridge that holds it is made by the node network
// set-up, possibly a moment later: until the address exists (EADDRNOTAVAIL) or while another
// process holds the port, binding is retried every `retryMs`. A new pod CIDR moves the server.
// Traffic for the kube-dns Service (10.96.0.10:53) reaches it through the service proxy: the
// Service's only endpoint on this node is this address (internalTrafficPolicy Local).

import type { ServiceCatalog } from "../services/catalog";
import { Forwarder, type UpstreamAddress } from "./forwarder";
import { firstHostAddress } from "./names";
import { Responder, type Upstream } from "./responder";
import { DnsServer } from "./server";
import { upstreamsFromResolvConf } from "./upstreams";
import { CatalogDnsView, type ZoneFacts } from "./view";

export interface NodeDnsConfig {
  podCidrs: string[];
  clusterDomain: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
}

export interface NodeDnsOptions {
  catalog: ServiceCatalog;
  /** Explicit upstream resolvers ([] forwards nothing); undefined: the host resolv.conf's. */
  upstreams?: UpstreamAddress[];
  /** The host's /etc/resolv.conf text, for the default upstreams. */
  hostResolvConf: string;
  /** Default 53. */
  port?: number;
  retryMs?: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export class NodeDns {
  private config: NodeDnsConfig = { podCidrs: [], clusterDomain: "cluster.local", clusterCidrs: [], serviceCidrs: [] };
  private readonly view: CatalogDnsView;
  private readonly responder: Responder;
  private forwarder: Upstream | undefined;
  private server: DnsServer | undefined;
  private wanted: string | undefined;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: NodeDnsOptions) {
    this.view = new CatalogDnsView(options.catalog, () => this.zoneFacts());
    this.responder = new Responder(
      () => this.view,
      () => this.forwarder,
    );
    this.forwarder = this.makeForwarder();
  }

  /** Where it listens now, if bound. */
  get listening(): { address: string; port: number } | undefined {
    return this.server ? { address: this.server.address, port: this.server.port } : undefined;
  }

  /** Applies the node's configuration: zone facts now, the listening address in the background. */
  configure(config: NodeDnsConfig): void {
    if (this.stopped) return;
    this.config = config;
    this.forwarder = this.makeForwarder();
    const address = config.podCidrs.map(firstHostAddress).find((a) => a !== undefined);
    if (address === this.wanted) return;
    this.wanted = address;
    const generation = ++this.generation;
    this.wake?.();
    this.chain = this.chain.then(() => this.bind(generation, address));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.wake?.();
    await this.chain;
    await this.server?.stop();
    this.server = undefined;
    this.view.close();
  }

  private zoneFacts(): ZoneFacts {
    return { clusterDomain: this.config.clusterDomain, clusterRanges: [...this.config.clusterCidrs, ...this.config.serviceCidrs] };
  }

  private makeForwarder(): Upstream | undefined {
    const o = this.options;
    const upstreams = o.upstreams ?? upstreamsFromResolvConf(o.hostResolvConf, this.zoneFacts().clusterRanges);
    return upstreams.length > 0 ? new Forwarder(upstreams) : undefined;
  }

  private async bind(generation: number, address: string | undefined): Promise<void> {
    const log = this.options.log;
    await this.server?.stop();
    this.server = undefined;
    let lastCode: string | undefined;
    while (address && generation === this.generation) {
      const server = new DnsServer(this.responder, { address, port: this.options.port ?? 53, onError: (err) => log.warn({ err }, "cluster DNS socket error") });
      try {
        await server.start();
        this.server = server;
        log.info({ address, port: server.port }, "cluster DNS serving");
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        // EADDRNOTAVAIL is expected until the bridge has its address: not worth a warning.
        if (code !== lastCode && code !== "EADDRNOTAVAIL") log.warn({ err, address }, "cluster DNS cannot listen yet; retrying");
        lastCode = code;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.retryMs ?? 1000);
          timer.unref();
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
