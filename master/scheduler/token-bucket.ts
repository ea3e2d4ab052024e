// A token bucket: `rate` tokens per second, at most `burst` saved up. The scheduler spends one per
// Event it writes, so a burst of 10,000 placements cannot turn into 10,000 event writes competing
// with the bindings for etcd (kube-scheduler's event broadcaster drops under load too).

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
