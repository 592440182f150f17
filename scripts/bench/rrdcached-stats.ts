// rrdcached's own counters (STATS), read by the benchmark over the daemon's socket in the
// appliance's data directory: the appliance's health does not report them.
import { RrdcachedClient } from '../../appliance/store/rrdcached-client.js';
import { connectUnixSocket } from '../../appliance/store/rrdcached-socket.js';
import { rrdcachedPaths } from '../../appliance/store/rrdcached-supervisor.js';

/** STATS as numbers (UpdatesWritten: RRD files written, DataSetsWritten, QueueLength…), or null when the daemon does not answer. */
export async function rrdcachedStats(dataDir: string): Promise<Record<string, number> | null> {
  let client: RrdcachedClient;
  try {
    client = new RrdcachedClient(await connectUnixSocket(rrdcachedPaths(dataDir).socketPath));
  } catch {
    return null;
  }
  try {
    return await client.stats();
  } catch {
    return null;
  } finally {
    client.close();
  }
}
