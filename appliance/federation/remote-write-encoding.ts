// The Prometheus remote-write 1.0 wire format (S19): a protobuf WriteRequest
// (prometheus/prompb/remote.proto, types.proto: the fields 1.0 uses), snappy block-compressed.
// protobufjs encodes and snappyjs compresses (pure JavaScript: nothing to build on the board).
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { QueuedBatch } from './remote-write-queue.js';
import { seriesLabels } from './sample-series.js';

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(PROTO).root.lookupType('prometheus.WriteRequest');

export interface TimeSeries {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
}

/**
 * The series of `batches`, one per label set, each series' samples in time order (a receiver
 * refuses a series going back in time within a request). `families`: the ones sent, null for all.
 */
export function toTimeSeries(batches: readonly QueuedBatch[]): { series: TimeSeries[]; samples: number } {
  const byLabels = new Map<string, TimeSeries>();
  let samples = 0;
  for (const b of batches) {
    for (const s of b.s) {
      for (const [field, value] of Object.entries(s.v)) {
        if (value === null) continue;
        const labels = seriesLabels(b.o, s.f, field, s.k);
        const id = labels.map(([n, v]) => `${n}\u0000${v}`).join('\u0001');
        let ts = byLabels.get(id);
        if (!ts) {
          ts = { labels: labels.map(([name, v]) => ({ name, value: v })), samples: [] };
          byLabels.set(id, ts);
        }
        ts.samples.push({ value, timestamp: s.t * 1000 });
        samples++;
      }
    }
  }
  const series = [...byLabels.values()];
  for (const ts of series) ts.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series, samples };
}

/** The request body: WriteRequest, snappy-compressed. */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  const raw = WriteRequest.encode(WriteRequest.fromObject({ timeseries: series })).finish();
  return snappy.compress(raw);
}

/** The inverse, for tests and the benchmark. */
export function decodeWriteRequest(body: Uint8Array): TimeSeries[] {
  const msg = WriteRequest.decode(snappy.uncompress(body));
  const obj = WriteRequest.toObject(msg, { longs: Number, defaults: true }) as { timeseries: TimeSeries[] };
  return obj.timeseries;
}
