// The line `gantry bench` shows while it runs. On a terminal one line is rewritten in place
// (steps and live counts); otherwise — a log, CI — each step is its own line and live counts are
// printed at most every `quietMs`, so a log shows where a long run is without flooding.

export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  private readonly tty: boolean;
  private prefix = "";
  private lastLineAt = 0;
  private shown = false;

  constructor(
    private readonly out: ProgressSink = process.stderr,
    private readonly quietMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = out.isTTY === true;
  }

  /** Names what is being measured now ("scheduler SchedulingBasic/500Nodes_1000Pods"). */
  begin(prefix: string): void {
    this.prefix = prefix;
  }

  /** A new step: always shown. */
  step(text: string): void {
    this.show(text, true);
  }

  /** A live count within a step: in place on a terminal, every `quietMs` elsewhere. */
  update(text: string): void {
    this.show(text, false);
  }

  /** Ends the in-place line, so what is printed next starts on its own. */
  end(): void {
    if (this.tty && this.shown) this.out.write("\n");
    this.shown = false;
  }

  private show(text: string, isStep: boolean): void {
    const line = this.prefix ? `${this.prefix}: ${text}` : text;
    if (this.tty) {
      this.out.write(`\r\x1b[K${line}`);
      this.shown = true;
      return;
    }
    const t = this.now();
    if (!isStep && t - this.lastLineAt < this.quietMs) return;
    this.lastLineAt = t;
    this.out.write(`${line}\n`);
  }
}
