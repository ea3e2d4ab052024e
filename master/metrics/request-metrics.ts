// apiserver_request_total, apiserver_request_duration_seconds and apiserver_longrunning_requests
// (kube-apiserver's names, labels and buckets). Every request gets a RequestRecord when it
// arrives; the router names what it addressed (request-labels.ts), and the record is counted
// once, when the response closes (or, for an upgraded exec/attach/port-forward stream, when the
// stream ends). Watches and streams are counted in apiserver_longrunning_requests while open.
// The per-request cost is two clock reads, a listener and two label lookups: the API's create
// path is a benchmarked hot path (master/metrics/README.md has the numbers).

import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { nonResourceLabels, resourceRequestLabels, type RequestLabels, type ResourceRequestInfo } from "./request-labels";

const LABELS = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"] as const;
const LONG_RUNNING_LABELS = ["verb", "group", "version", "resource", "subresource", "scope", "component"] as const;
/** Upstream's buckets: fine below a second for the latency SLO, up to a minute for slow lists. */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export class ApiRequestMetrics {
  readonly total: Counter<(typeof LABELS)[number] | "code">;
  readonly duration: Histogram<(typeof LABELS)[number]>;
  readonly longRunning: Gauge<(typeof LONG_RUNNING_LABELS)[number]>;

  constructor(registry: Registry) {
    this.total = new Counter({
      name: "apiserver_request_total",
      help: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
      labelNames: [...LABELS, "code"],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: "apiserver_request_duration_seconds",
      help: "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
      labelNames: [...LABELS],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    this.longRunning = new Gauge({
      name: "apiserver_longrunning_requests",
      help: "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.",
      labelNames: [...LONG_RUNNING_LABELS],
      registers: [registry],
    });
  }

  /** A record for a request that has just arrived; with `res`, counted when the response closes. */
  begin(method: string, res?: ServerResponse): RequestRecord {
    const record = new RequestRecord(this, method);
    res?.once("close", () => record.finish(res.statusCode));
    return record;
  }
}

export class RequestRecord {
  private readonly startedAt = performance.now();
  private labels: RequestLabels | undefined;
  private open: Omit<RequestLabels, "dry_run"> | undefined;
  private finished = false;

  constructor(
    private readonly metrics: ApiRequestMetrics,
    private readonly method: string,
  ) {}

  /** The request addressed a served resource; watches and streams count as long-running from now. */
  resource(info: ResourceRequestInfo, query: URLSearchParams, contentType: string): void {
    const { labels, longRunning } = resourceRequestLabels(this.method, info, query, contentType);
    this.labels = labels;
    if (longRunning && !this.finished && !this.open) {
      const l = labels;
      this.open = { verb: l.verb, group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: l.component };
      this.metrics.longRunning.inc(this.open);
    }
  }

  /** Anything but a resource: `path` for the paths the server serves, undefined for unknown ones. */
  nonResource(path: string | undefined): void {
    this.labels = nonResourceLabels(this.method, path);
  }

  /** Counts the request once, with its final status code. */
  finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    const l = this.labels ?? nonResourceLabels(this.method, undefined);
    // Label objects written out in full: `{ ...l, code }` makes V8 build a slow object whose
    // lookup by prom-client costs ~15 µs per request (measured; bench/api-metrics.ts).
    this.metrics.total.inc({ verb: l.verb, dry_run: l.dry_run, group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: l.component, code: String(code) });
    this.metrics.duration.observe(l, (performance.now() - this.startedAt) / 1000);
    if (this.open) this.metrics.longRunning.dec(this.open);
  }
}
