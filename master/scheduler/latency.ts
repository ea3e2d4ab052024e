// Scheduling latency as the scheduler sees it (Kubernetes' pod_scheduling_sli_duration): from
// the moment the informer first reports a pending pod to the acknowledgement of its binding,
// retries included. The last `capacity` samples are kept, so percentiles cost nothing until asked.

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class LatencyRecorder {
  private readonly samples: Float64Array;
  private next = 0;
  private total = 0;

  constructor(capacity = 100_000) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.total++;
  }

  /** Percentiles (nearest rank) over the kept samples, in ms; zeros when there are none. */
  summary(): LatencySummary {
    const n = Math.min(this.total, this.samples.length);
    if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = this.samples.slice(0, n).sort();
    const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
    return { count: this.total, p50: at(50), p90: at(90), p99: at(99), max: sorted[n - 1] };
  }
}
