// What the remote-write path carries from the store to the encoder (S19, B8): one stored batch of
// one agent, with the labels that say where it came from.
import type { Sample } from '../../contract/metrics.js';
import type { SeriesOrigin } from './sample-series.js';

export type QueuedSample = Pick<Sample, 't' | 'f' | 'k' | 'v'>;

export interface QueuedBatch {
  o: SeriesOrigin;
  s: readonly QueuedSample[];
}
