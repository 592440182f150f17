// A feature of the agent built the first time its configuration asks for it (the service checks,
// the web logs, the sentinel), so that an agent that runs none of them neither evaluates their
// code nor keeps it in memory: the composition root builds each through a dynamic import(), which
// esbuild turns into a module evaluated on first use inside the one-file bundle (RSS budget,
// docs/benchmarks.md "The agent's footprint"). Once built, a feature stays built and is handed
// every later configuration, the ones that turn it off included.
import type { Logger } from '../core/logger.js';

export interface OnDemandFeature {
  stop(): void | Promise<void>;
}

export class OnDemand<T extends OnDemandFeature> {
  #feature: T | null = null;
  #loading: Promise<void> | null = null;
  /** the last configuration handed over while the feature was still loading */
  #pending: ((feature: T) => void) | null = null;
  #stopped = false;

  constructor(
    private readonly what: string,
    private readonly build: () => Promise<T>,
    private readonly log: Logger,
  ) {}

  /** the feature, once built */
  get current(): T | null {
    return this.#feature;
  }

  /**
   * Hands `use` the feature: at once when it is built; once built when `wanted` (the latest call
   * wins while it loads); not at all while it is neither built nor wanted (nothing to turn off).
   */
  apply(wanted: boolean, use: (feature: T) => void): void {
    if (this.#stopped) return;
    if (this.#feature) {
      use(this.#feature);
      return;
    }
    if (!wanted && this.#loading === null) return;
    this.#pending = use;
    this.#loading ??= this.build().then(
      (feature) => {
        if (this.#stopped) return feature.stop();
        this.#feature = feature;
        const latest = this.#pending;
        this.#pending = null;
        latest?.(feature);
        return undefined;
      },
      (error: unknown) => {
        this.#loading = null; // the next configuration that wants it tries again
        this.log.error(`cannot load the ${this.what}; they do not run`, { error });
      },
    ).then(() => undefined, (error: unknown) => {
      this.log.error(`starting the ${this.what} failed`, { error });
    });
  }

  /** Stops the feature if it was built (waiting for one still loading); nothing is built after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#loading) await this.#loading;
    await this.#feature?.stop();
  }
}
