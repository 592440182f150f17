// Aedes's in-memory persistence answers every SUBSCRIBE by testing each retained message against
// the subscription's pattern: with one retained config per agent, 10,000 agents reconnecting
// (after an appliance restart or a network outage) cost 10,000 × 10,000 topic matches, minutes of
// CPU. Agents may only subscribe to their own config topic, a topic without wildcards, so an index
// by topic answers those subscriptions at once; a pattern with a wildcard still goes to the
// library's scan.
import { Readable } from 'node:stream';
import aedesPersistence, { type AedesMemoryPersistence } from 'aedes-persistence';

// the package is CommonJS whose module.exports is the factory; its typings declare an ES default
const createMemoryPersistence = aedesPersistence as unknown as () => AedesMemoryPersistence;

interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
}

type MemoryPersistence = AedesMemoryPersistence;

function hasWildcard(pattern: string): boolean {
  return pattern.includes('+') || pattern.includes('#');
}

/** Aedes's memory persistence whose retained messages are also indexed by topic. */
export function memoryPersistenceWithRetainedIndex(): MemoryPersistence {
  const persistence = createMemoryPersistence();
  const byTopic = new Map<string, RetainedPacket>();
  const storeRetained = persistence.storeRetained.bind(persistence);
  const scan = persistence.createRetainedStreamCombi.bind(persistence);

  // aedes 1.x calls it without a callback and awaits the promise the library returns then
  persistence.storeRetained = ((packet: RetainedPacket, cb?: (err: Error | null | undefined) => void): unknown => {
    // MQTT 3.1.1 §3.3.1.3: a retained message with an empty payload removes the one held
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, packet);
    return (storeRetained as (p: RetainedPacket, cb?: (err: Error | null | undefined) => void) => unknown)(packet, cb);
  }) as typeof persistence.storeRetained;

  persistence.createRetainedStreamCombi = (patterns: string[]): Readable => {
    const list = patterns;
    if (list.some(hasWildcard)) return scan(patterns);
    const found: RetainedPacket[] = [];
    for (const topic of new Set(list)) {
      const packet = byTopic.get(topic);
      if (packet) found.push(packet);
    }
    return Readable.from(found);
  };
  return persistence;
}
