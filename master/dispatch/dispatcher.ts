// The dispatcher (leader only): one gRPC Session per Node that has an agent address, fed from
// informers. Down: NodeConfig (pod CIDRs allocated here, routes to the other nodes), the
// node's desired pods and the ConfigMap/Secret data they read; every Service with its endpoints
// (service-feed.ts: full set on connect, coalesced deltas to every session); service-account
// tokens the agent asks for (token-requests.ts). Up: see upstream.ts.
//
// Level-triggered: nothing is remembered across sessions except what the informers hold, so a
// new leader, an agent restart or a reconnect simply sends everything again.
//
// The informers are the master's shared ones (master/cache/shared-informers.ts). The pod lease
// replays the cached pods into the by-node index, whether or not another component already runs
// that informer. Their objects are shared with every other lessee: nothing here may mutate them.

import { hostname } from "node:os";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import { clientFor, ResourceClient } from "../registry/internal-client";
import { acquireInformer, releaseAll, type InformerHandlers, type InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { EventRecorder } from "../controllers/events";
import { NodeConfig, type AgentMessage, type ServiceView } from "../../proto/gen/agent";
import { AgentClientPool, endpointString, nodeEndpoint } from "./agent-clients";
import type { DesiredInputs } from "./desired-state";
import { NodeSession, type BackoffPolicy, type SessionHost } from "./node-session";
import { PodCidrAllocator, PodCidrPool } from "./pod-cidr";
import { ServiceFeed } from "./service-feed";
import { answerTokenRequest } from "./token-requests";
import { Upstream } from "./upstream";
import { configKey } from "./volume-refs";
import { controllerUser } from "../auth/internal-users";

/** Who allocates pod CIDRs (upstream's node IPAM controller runs as node-controller). */
const IPAM_USER = controllerUser("node-controller");

export interface DispatcherOptions extends ComponentDeps {
  /** Identifies this master to agents (logs, events); default `<hostname>/<pid>`. */
  masterId?: string;
  /** The leader epoch agents use to fence deposed leaders; default 1 (single master). */
  leaderEpoch?: () => number;
  /** Default: the ApiContext's address plan (`gantry master --cluster-cidr`). */
  clusterCidr?: string;
  /** Default: the ApiContext's (`--node-cidr-mask-size`). */
  nodeCidrMaskSize?: number;
  /** The service range agents blackhole (what ClusterIPs are allocated from); default the
   *  ApiContext's (`--service-cluster-ip-range`). */
  serviceCidr?: string;
  /** Default: the tenth address of the service range. */
  clusterDns?: string[];
  clusterDomain?: string;
  heartbeatIntervalSeconds?: number;
  statusFlushMs?: number;
  podWriteConcurrency?: number;
  heartbeatThrottleMs?: number;
  backoff?: BackoffPolicy;
  /** Service and endpoint changes within this window reach the agents as one update. Default 50 ms. */
  serviceCoalesceMs?: number;
}

interface Running {
  pool: AgentClientPool;
  upstream: Upstream;
  services: ServiceFeed;
  /** Set once start() has every lease; until then the caches read as empty. */
  informers?: { nodes: InformerLease; pods: InformerLease; configmaps: InformerLease; secrets: InformerLease };
  /** Every lease taken so far, released on stop. */
  leases: InformerLease[];
  sessions: Map<string, { session: NodeSession; endpoint: string }>;
  podsByNode: Map<string, Map<string, KubeObject>>;
  podsByUid: Map<string, KubeObject>;
  /**
   * The ranges nodes hold (kept from node events) and those handed out but not yet visible in the
   * node informer (held by "\0reserved <cidr>").
   */
  cidrPool: PodCidrPool;
  /** Nodes with an allocation queued, so a burst of their events queues one. */
  cidrWaiting: Set<string>;
  /** The cluster CIDR ran out: logged once, until an allocation succeeds again. */
  cidrExhausted: boolean;
  /** Nodes told (by a CIDRNotAvailable event) that no range is left for them; a node is told
   *  again only after it got a range or left. */
  cidrNotAvailable: Set<string>;
  events: EventRecorder;
  cidrQueue: Promise<void>;
  /** Per node, what other nodes' routes depend on: its pod CIDRs and address. */
  routeInputs: Map<string, string>;
  /** A pending, coalesced NodeConfig refresh of every session. */
  routesTimer?: NodeJS.Timeout;
  ready: boolean;
  /** The leadership term ended: no session dials or sends, no status is written any more. */
  cutOff: boolean;
}

export class Dispatcher implements LeaderComponent, SessionHost {
  readonly name = "dispatcher";
  readonly masterId: string;
  readonly heartbeatIntervalSeconds: number;
  readonly log: ComponentDeps["log"];
  private readonly cidrs: PodCidrAllocator;
  private readonly serviceCidr: string;
  private readonly clusterDns: string[];
  private running?: Running;

  constructor(private readonly o: DispatcherOptions) {
    const identity = (o as { leadership?: { identity?: string } }).leadership?.identity;
    this.masterId = o.masterId ?? identity ?? `${hostname()}/${process.pid}`;
    this.heartbeatIntervalSeconds = o.heartbeatIntervalSeconds ?? 10;
    this.log = o.log.child({ component: "dispatcher" });
    const net = o.ctx.network;
    this.cidrs = new PodCidrAllocator(o.clusterCidr ?? String(net.clusterCidr), o.nodeCidrMaskSize ?? net.nodeCidrMaskSize);
    this.serviceCidr = o.serviceCidr ?? String(net.serviceRange);
    this.clusterDns = o.clusterDns ?? [net.clusterDnsIP];
  }

  /** The option, else the election's epoch when the deps carry one (master.ts), else 1. */
  leaderEpoch(): number {
    if (this.o.leaderEpoch) return this.o.leaderEpoch();
    const leadership = (this.o as { leadership?: { epoch(): number | undefined } }).leadership;
    return leadership?.epoch() ?? 1;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const ctx = this.o.ctx;
    // Upstream writes agents' reports as each node; the dispatcher's own writes (pod CIDRs) are
    // the node IPAM controller's, which upstream runs as node-controller.
    const client = (group: string, plural: string) => clientFor(ctx, group, "v1", plural, IPAM_USER);
    const pods = client("", "pods");
    const r: Running = {
      pool: new AgentClientPool(this.o.agentTransport),
      upstream: new Upstream({
        clients: { pods, nodes: client("", "nodes"), leases: client("coordination.k8s.io", "leases"), events: client("", "events") },
        caches: { podByUid: (uid) => r.podsByUid.get(uid), node: (name) => r.informers?.nodes.get(name) },
        log: this.log,
        clock: ctx.clock,
        flushMs: this.o.statusFlushMs ?? 100,
        podWriteConcurrency: this.o.podWriteConcurrency ?? 8,
        heartbeatThrottleMs: this.o.heartbeatThrottleMs ?? 10_000,
      }),
      services: new ServiceFeed({
        ctx,
        log: this.log,
        coalesceMs: this.o.serviceCoalesceMs,
        onDelta: (delta) => {
          for (const { session } of r.sessions.values()) session.sendServices(delta);
        },
      }),
      leases: [],
      sessions: new Map(),
      podsByNode: new Map(),
      podsByUid: new Map(),
      cidrPool: new PodCidrPool(this.cidrs),
      cidrWaiting: new Set(),
      cidrExhausted: false,
      cidrNotAvailable: new Set(),
      // The component name upstream's node-ipam range allocator records under.
      events: new EventRecorder(ctx, "cidrAllocator", IPAM_USER, (err) => this.log.warn({ err }, "recording a node event failed")),
      cidrQueue: Promise.resolve(),
      routeInputs: new Map(),
      ready: false,
      cutOff: false,
    };
    this.running = r;
    // The moment the term ends, before stop() is called: a deposed leader commands no agent.
    const term = this.o.leadership?.currentTerm();
    term?.signal.addEventListener("abort", () => this.cutOff(r), { once: true });
    const configHandlers = (kind: "ConfigMap" | "Secret"): InformerHandlers => {
      const changed = (o: KubeObject) => this.configEvent(r, configKey({ kind, namespace: o.metadata.namespace ?? "", name: o.metadata.name ?? "" }));
      return { add: changed, update: (_old, o) => changed(o), delete: changed };
    };
    const nodeChanged = (n: KubeObject) => this.nodeEvent(r, n.metadata.name!);

    // Sessions start only after every cache is full: a full set sent from a half-filled pod
    // cache would make the agent stop pods that are in fact wanted. ConfigMap, Secret and node
    // events matter only once sessions run (`ready`), so only pods are replayed.
    const [podLease, configmaps, secrets, nodes] = await Promise.all([
      this.lease(r, "pods", { add: (p) => this.podEvent(r, undefined, p), update: (old, p) => this.podEvent(r, old, p), delete: (p) => this.podEvent(r, p, undefined) }, true),
      this.lease(r, "configmaps", configHandlers("ConfigMap")),
      this.lease(r, "secrets", configHandlers("Secret")),
      this.lease(r, "nodes", { add: nodeChanged, update: (_old, n) => nodeChanged(n), delete: nodeChanged }),
      r.services.start(),
    ]);
    if (this.running !== r) return; // stopped meanwhile: stop() released what it found
    r.informers = { pods: podLease, configmaps, secrets, nodes };
    if (r.cutOff) return;
    r.ready = true;
    for (const n of nodes.list()) this.nodeEvent(r, n.metadata.name!);
    this.log.info({ nodes: nodes.list().length, epoch: this.leaderEpoch() }, "dispatcher started");
  }

  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    r.ready = false;
    await Promise.all([...r.sessions.values()].map((s) => s.session.stop()));
    r.sessions.clear();
    clearTimeout(r.routesTimer);
    await r.services.stop();
    await releaseAll(r.leases.splice(0));
    await r.cidrQueue;
    await r.upstream.stop();
    r.pool.close();
  }

  /** Ends every session and drops pending status writes at once; stop() then waits for them. */
  private cutOff(r: Running): void {
    r.cutOff = true;
    r.ready = false;
    for (const { session } of r.sessions.values()) void session.stop();
    void r.upstream.stop();
    this.log.warn({ sessions: r.sessions.size }, "leadership term ended; agent sessions closed");
  }

  /**
   * A lease on the shared informer of a core/v1 resource for `r`. Released at once when `r` was
   * stopped meanwhile (its stop() has already released the leases it found).
   */
  private async lease(r: Running, plural: string, handlers: InformerHandlers, replay = false): Promise<InformerLease> {
    const onError = (err: unknown) => this.log.warn({ err, plural }, "informer watch failed; relisting");
    const lease = await acquireInformer(this.o.ctx, findResource("", "v1", plural)!, handlers, { onError, replay });
    if (this.running === r) r.leases.push(lease);
    else await lease.release();
    return lease;
  }

  /** Writes pending status now (tests). */
  async flush(): Promise<void> {
    await this.running?.upstream.flush();
  }

  /** Whether the node's agent session is up (its hello arrived). */
  isConnected(nodeName: string): boolean {
    return this.running?.sessions.get(nodeName)?.session.isConnected ?? false;
  }

  // --- SessionHost

  nodeConfig(nodeName: string): NodeConfig {
    const r = this.running;
    const node = r?.informers?.nodes.get(nodeName);
    const routes = [];
    for (const other of r?.informers?.nodes.list() ?? []) {
      if (other.metadata.name === nodeName) continue;
      const cidrs = podCidrsOf(other);
      const ep = nodeEndpoint(other);
      if (cidrs.length > 0 && ep) routes.push({ nodeName: other.metadata.name!, nodeIp: ep.host, podCidrs: cidrs });
    }
    routes.sort((a, b) => a.nodeName.localeCompare(b.nodeName));
    return NodeConfig.fromPartial({
      podCidrs: node ? podCidrsOf(node) : [],
      clusterDns: this.clusterDns,
      clusterDomain: this.o.clusterDomain ?? "cluster.local",
      routes,
      clusterCidrs: [this.cidrs.clusterCidr],
      serviceCidrs: [this.serviceCidr],
    });
  }

  serviceViews(): ServiceView[] {
    return this.running?.services.fullSet() ?? [];
  }

  desiredInputs(nodeName: string): DesiredInputs {
    const r = this.running!;
    return {
      pods: r.podsByNode.get(nodeName)?.values() ?? [],
      config: (kind, namespace, name) => r.informers?.[kind === "ConfigMap" ? "configmaps" : "secrets"].get(namespacedKey(namespace, name)),
    };
  }

  onAgentMessage(nodeName: string, msg: AgentMessage): void {
    const r = this.running;
    if (!r || !msg.msg) return;
    switch (msg.msg.$case) {
      case "hello":
        r.upstream.heartbeat(nodeName, true);
        break;
      case "nodeStatus":
        r.upstream.nodeStatus(nodeName, msg.msg.nodeStatus);
        break;
      case "podStatus":
        r.upstream.podStatus(nodeName, msg.msg.podStatus.pods, msg.msg.podStatus.removed);
        break;
      case "event":
        r.upstream.event(nodeName, msg.msg.event);
        break;
      case "heartbeat":
        r.upstream.heartbeat(nodeName);
        break;
      case "desiredPodsAck":
        this.log.debug({ node: nodeName, generation: msg.msg.desiredPodsAck.generation }, "agent took desired pods");
        break;
      case "tokenRequest": {
        const req = msg.msg.tokenRequest;
        const sources = { ctx: this.o.ctx, pod: (uid: string) => r.podsByUid.get(uid), node: (name: string) => r.informers?.nodes.get(name) };
        answerTokenRequest(sources, nodeName, req).then(
          (answer) => {
            if (answer.error) this.log.warn({ node: nodeName, pod: req.podUid, error: answer.error }, "refused an agent's service-account token request");
            r.sessions.get(nodeName)?.session.sendToken(answer);
          },
          (err: unknown) => this.log.warn({ err, node: nodeName, pod: req.podUid }, "minting a service-account token failed"),
        );
        break;
      }
    }
  }

  // --- cache events

  private podEvent(r: Running, old: KubeObject | undefined, pod: KubeObject | undefined): void {
    const nodeOf = (p?: KubeObject) => ((p?.spec ?? {}) as { nodeName?: string }).nodeName;
    const touched = new Set<string>();
    if (old?.metadata.uid) {
      const n = nodeOf(old);
      if (n) {
        r.podsByNode.get(n)?.delete(old.metadata.uid);
        touched.add(n);
      }
      r.podsByUid.delete(old.metadata.uid);
      if (!pod || pod.metadata.uid !== old.metadata.uid) r.upstream.podGone(old.metadata.uid);
    }
    if (pod?.metadata.uid) {
      const n = nodeOf(pod);
      r.podsByUid.set(pod.metadata.uid, pod);
      if (n) {
        let m = r.podsByNode.get(n);
        if (!m) r.podsByNode.set(n, (m = new Map()));
        m.set(pod.metadata.uid, pod);
        touched.add(n);
      }
      r.upstream.podChanged(pod);
    }
    if (!r.ready) return;
    for (const n of touched) r.sessions.get(n)?.session.requestSync();
  }

  private configEvent(r: Running, key: string): void {
    if (!r.ready) return;
    for (const { session } of r.sessions.values()) if (session.tracker.referenced.has(key)) session.requestSync();
  }

  private nodeEvent(r: Running, name: string): void {
    if (!r.ready) return;
    const node = r.informers?.nodes.get(name);
    const current = r.sessions.get(name);
    if (!node) {
      if (current) {
        r.sessions.delete(name);
        void current.session.stop();
      }
      r.upstream.forgetNode(name);
      r.cidrPool.set(name, []);
      r.cidrNotAvailable.delete(name);
      // Its range is free again: nodes that were told none is left get their turn now.
      for (const waiting of r.cidrNotAvailable) if (!r.cidrWaiting.has(waiting)) this.allocateCidr(r, waiting);
      this.routeInputChanged(r, name, undefined);
      return;
    }
    const cidrs = podCidrsOf(node);
    r.cidrPool.set(name, cidrs);
    if (cidrs.length === 0 && !r.cidrWaiting.has(name)) this.allocateCidr(r, name);
    const ep = nodeEndpoint(node);
    const endpoint = ep ? endpointString(ep) : undefined;
    if (current && current.endpoint !== endpoint) {
      r.sessions.delete(name);
      void current.session.stop();
    }
    if (ep && endpoint && r.sessions.get(name)?.endpoint !== endpoint) {
      const session = new NodeSession(name, r.pool.client(ep, name), this, this.o.backoff);
      r.sessions.set(name, { session, endpoint });
      session.start();
    } else {
      r.sessions.get(name)?.session.refreshNodeConfig();
    }
    this.routeInputChanged(r, name, JSON.stringify([cidrs, ep?.host]));
  }

  /**
   * When a node's pod CIDRs or address change, every node's routes do. Only those changes count
   * (status heartbeats do not), and a burst of them (nodes joining) refreshes sessions once.
   */
  private routeInputChanged(r: Running, name: string, input: string | undefined): void {
    if (r.routeInputs.get(name) === input) return;
    if (input === undefined) r.routeInputs.delete(name);
    else r.routeInputs.set(name, input);
    r.routesTimer ??= setTimeout(() => {
      r.routesTimer = undefined;
      if (this.running !== r) return;
      for (const { session } of r.sessions.values()) session.refreshNodeConfig();
    }, 100);
  }

  private allocateCidr(r: Running, name: string): void {
    r.cidrWaiting.add(name);
    r.cidrQueue = r.cidrQueue.then(async () => {
      r.cidrWaiting.delete(name);
      if (this.running !== r) return;
      const node = r.informers?.nodes.get(name);
      if (!node || podCidrsOf(node).length > 0) return;
      const cidr = r.cidrPool.lowestFree();
      if (!cidr) {
        // Every node that joins from here on would say the same: say it once (until a range
        // frees up and is handed out again), the rest at debug level.
        const fields = { node: name, clusterCidr: this.cidrs.clusterCidr };
        if (r.cidrExhausted) this.log.debug(fields, "no pod CIDR left for node: the cluster CIDR is exhausted");
        else this.log.error(fields, "no pod CIDR left for node: the cluster CIDR is exhausted (further nodes left without one are logged at debug level)");
        r.cidrExhausted = true;
        // What upstream's range allocator records (nodeutil.RecordNodeStatusChange), plus why.
        if (!r.cidrNotAvailable.has(name)) {
          r.cidrNotAvailable.add(name);
          const why = `no /${this.cidrs.nodeMaskSize} is left in the cluster CIDR ${this.cidrs.clusterCidr} (${this.cidrs.capacity} ranges, all held by nodes); pods on this node wait until a node is deleted or the cluster CIDR is larger`;
          r.events.record(node, "Normal", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable: ${why}`);
        }
        return;
      }
      r.cidrExhausted = false;
      r.cidrNotAvailable.delete(name);
      const reservation = `\0reserved ${cidr}`;
      r.cidrPool.set(reservation, [cidr]);
      try {
        await new ResourceClient(this.o.ctx, findResource("", "v1", "nodes")!, IPAM_USER).update(undefined, name, (n) => {
          const spec = (n.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
          if (spec.podCIDR || (spec.podCIDRs ?? []).length > 0) return undefined;
          return { ...n, spec: { ...spec, podCIDR: cidr, podCIDRs: [cidr] } };
        });
        this.log.info({ node: name, podCIDR: cidr }, "allocated pod CIDR");
      } catch (err) {
        this.log.warn({ err, node: name }, "writing the node's pod CIDR failed");
      } finally {
        // Once written the informer shows it; if the write failed the range is free again.
        setTimeout(() => r.cidrPool.set(reservation, []), 5_000).unref();
      }
    });
  }
}

export function podCidrsOf(node: KubeObject): string[] {
  const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  if (spec.podCIDRs && spec.podCIDRs.length > 0) return spec.podCIDRs;
  return spec.podCIDR ? [spec.podCIDR] : [];
}

