// A token bucket: `rate` tokens per second, at most `burst` saved up, full at the start. The event
// correlator's spam filter keeps one per source and object (client-go's
// EventSourceObjectSpamFilter: burst 25, one more every 5 minutes).

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
