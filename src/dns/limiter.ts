// A bound on how many DNS exchanges are on the wire at once, shared by everything one run asks.

/** Runs tasks with at most `limit` in flight; the rest wait in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Exchanges started through this limiter (UDP and TCP), for tests and the benchmark. */
  started = 0;

  constructor(private readonly limit: number) {}

  /** Run `task` when a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    this.started++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
