// scrypt (N=2^15) runs on libuv's thread pool: 4 threads shared with every
// file read and write of the server. Forty parallel sign-ins used to fill it
// and stall health checks and uploads for seconds. So password checks take a
// slot here first: at most `limit` at once in this process, a bounded queue
// behind them, and beyond that an immediate "busy" rather than a pile-up.

export class PasswordChecksBusy extends Error {
  constructor() {
    super("Too many sign-ins are being checked right now; try again in a moment.");
    this.name = "PasswordChecksBusy";
  }
}

export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most checks ever in flight at once (for tests and figures). */
  peak = 0;

  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw new PasswordChecksBusy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next in line (active stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
