// Debian's prometheus-node-exporter as the benchmarks' yardstick (agent-footprint.ts,
// agent-floor.ts): started on 127.0.0.1 at a free port and scraped at the agent's interval,
// aligned to it like the agent's ticks, one scrape at a time.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ScrapedExporter {
  child: ChildProcess;
  /** successful scrapes so far */
  readonly scrapes: number;
  /** bytes of the last scrape */
  readonly scrapeBytes: number;
  /** seconds between scrapes from the next one on (agent-footprint.ts changes it between phases) */
  intervalS: number;
  /** false: no scrapes until set true again (a second exporter measured in one phase only) */
  active: boolean;
  /** stops scraping (the process is the caller's to stop) */
  stopScraping(): Promise<void>;
}

export async function startScrapedExporter(
  firstIntervalS: number, start: (argv: string[]) => ChildProcess, extraArgs: readonly string[] = [],
): Promise<ScrapedExporter> {
  const port = await freePort();
  const child = start([`--web.listen-address=127.0.0.1:${port}`, ...extraArgs]);
  let intervalS = firstIntervalS;
  let active = true;
  let scrapes = 0;
  let scrapeBytes = 0;
  let scraping = true;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const loop = (async () => {
    while (scraping) {
      await sleep(intervalS * 1000 - (Date.now() % (intervalS * 1000)));
      if (!scraping) break;
      if (!active) continue;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        scrapeBytes = (await response.arrayBuffer()).byteLength;
        if (response.ok) scrapes++;
      } catch {
        // not listening yet
      }
    }
  })();
  return {
    child,
    get scrapes() { return scrapes; },
    get scrapeBytes() { return scrapeBytes; },
    get intervalS() { return intervalS; },
    set intervalS(s: number) { intervalS = s; },
    get active() { return active; },
    set active(on: boolean) { active = on; },
    async stopScraping() {
      scraping = false;
      await loop;
    },
  };
}
