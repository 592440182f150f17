// The Prometheus remote-write 1.0 wire format (S19): a protobuf WriteRequest
// (prometheus/prompb/remote.proto, types.proto: the fields 1.0 uses), snappy block-compressed.
// protobufjs encodes and snappyjs compresses (pure JavaScript: nothing to build on the board).
//
// The cost per forwarded sample is what limits remote write (docs/benchmarks.md "Remote write end
// to end"): a stored sample is ~6 forwarded ones (one per field). So the encoder does per sample
// only what cannot be shared: each label pair (`host="web-1"`, `__name__="rackwatch_cpu_user_percent"`)
// is a protobuf Label message encoded once by protobufjs and kept (a few thousand distinct pairs:
// hosts, groups, metric names, keys; a changed host or group name is simply a new pair), and a
// series' Label fields are those cached bytes, framed by protobufjs's Writer next to its samples.
// No intermediate objects per sample (no label arrays, no fromObject).
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { Family } from '../../contract/families.js';
import type { QueuedBatch } from './remote-write-queue.js';
import { KEY_LABEL, metricName } from './sample-series.js';

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const ROOT = protobuf.parse(PROTO).root;
const WriteRequest = ROOT.lookupType('prometheus.WriteRequest');
const Label = ROOT.lookupType('prometheus.Label');

/** field 1 (WriteRequest.timeseries, TimeSeries.labels), length-delimited */
const TAG_1_LEN = (1 << 3) | 2;
/** field 2 (TimeSeries.samples), length-delimited */
const TAG_2_LEN = (2 << 3) | 2;
/** Sample.value: field 1, 64-bit */
const TAG_VALUE = (1 << 3) | 1;
/** Sample.timestamp: field 2, varint */
const TAG_TIMESTAMP = 2 << 3;
/** cached label pairs before the cache starts afresh (a bound, not a working size: ~10,000 at 5,000 agents) */
const MAX_CACHED_LABELS = 200_000;

export interface TimeSeries {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
}

/** One series' samples of a chunk, in queue order, and its encoded Label messages, sorted by name. */
interface SeriesAcc {
  labels: Uint8Array[];
  values: number[];
  /** unix seconds */
  times: number[];
}

export interface EncodedRequests {
  /** snappy-compressed WriteRequests, at most the `requests` asked for; no series is in two of them */
  bodies: Uint8Array[];
  /** forwarded samples in each body */
  samples: number[];
}

function varintBytes(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

export class RemoteWriteEncoder {
  private readonly labelCache = new Map<string, Uint8Array>();
  /** `family\0field` → its encoded __name__ label */
  private readonly nameCache = new Map<string, Uint8Array>();

  /** The encoded Label message name=value (protobufjs), cached. */
  private label(name: string, value: string): Uint8Array {
    const id = `${name}\u0000${value}`;
    let bytes = this.labelCache.get(id);
    if (bytes === undefined) {
      if (this.labelCache.size >= MAX_CACHED_LABELS) {
        this.labelCache.clear();
        this.nameCache.clear();
      }
      bytes = Label.encode({ name, value }).finish();
      this.labelCache.set(id, bytes);
    }
    return bytes;
  }

  /** The sorted Label messages of one series (remote write wants them sorted by name; see sample-series.ts). */
  private seriesLabels(appliance: Uint8Array, host: Uint8Array, group: Uint8Array | null, family: Family, field: string, key: string | undefined): Uint8Array[] {
    const nameId = `${family}\u0000${field}`;
    let name = this.nameCache.get(nameId);
    if (name === undefined) {
      name = this.label('__name__', metricName(family, field));
      this.nameCache.set(nameId, name);
    }
    const out = [name, appliance];
    const keyName = KEY_LABEL[family];
    const keyLabel = key !== undefined && key !== '' ? this.label(keyName, key) : null;
    // the key label's name sorts before `group` (check, core, device) or after `host` (interface, key, mount, source)
    const keyFirst = keyName < 'group';
    if (keyLabel && keyFirst) out.push(keyLabel);
    if (group) out.push(group);
    out.push(host);
    if (keyLabel && !keyFirst) out.push(keyLabel);
    return out;
  }

  /**
   * The series of `batches` split over at most `requests` WriteRequests, each series whole in one
   * of them with its samples in time order (a receiver refuses a series going back in time). So
   * requests sent side by side never carry the same series (the sender's ordering rule,
   * remote-writer.ts).
   */
  encode(batches: readonly QueuedBatch[], requests: number): EncodedRequests {
    const series: SeriesAcc[] = [];
    const byOrigin = new Map<string, Map<string, SeriesAcc>>();
    for (const b of batches) {
      const originId = `${b.o.appliance}\u0000${b.o.host}\u0000${b.o.group}`;
      let bySeries = byOrigin.get(originId);
      if (bySeries === undefined) {
        bySeries = new Map();
        byOrigin.set(originId, bySeries);
      }
      const appliance = this.label('appliance', b.o.appliance);
      const host = this.label('host', b.o.host);
      const group = b.o.group !== '' ? this.label('group', b.o.group) : null;
      for (const s of b.s) {
        const family = s.f;
        const prefix = s.k === undefined ? `${s.f}\u0000` : `${s.f}\u0000${s.k}\u0000`;
        for (const field in s.v) {
          const value = s.v[field];
          if (value === null || value === undefined) continue;
          const id = prefix + field;
          let acc = bySeries.get(id);
          if (acc === undefined) {
            acc = { labels: this.seriesLabels(appliance, host, group, family, field, s.k), values: [], times: [] };
            bySeries.set(id, acc);
            series.push(acc);
          }
          acc.values.push(value);
          acc.times.push(s.t);
        }
      }
    }
    const n = Math.max(1, Math.min(requests, series.length));
    const writers = Array.from({ length: n }, () => protobuf.Writer.create());
    const samples = new Array<number>(n).fill(0);
    for (let i = 0; i < series.length; i++) {
      const acc = series[i] as SeriesAcc;
      // series go round-robin, so that the requests are of about one size
      const w = writers[i % n] as protobuf.Writer;
      samples[i % n] = (samples[i % n] ?? 0) + acc.values.length;
      sortByTime(acc);
      w.uint32(TAG_1_LEN).fork();
      for (const l of acc.labels) w.uint32(TAG_1_LEN).bytes(l);
      for (let j = 0; j < acc.values.length; j++) {
        const ms = (acc.times[j] as number) * 1000;
        w.uint32(TAG_2_LEN).uint32(1 + 8 + 1 + varintBytes(ms)).uint32(TAG_VALUE).double(acc.values[j] as number).uint32(TAG_TIMESTAMP).int64(ms);
      }
      w.ldelim();
    }
    return { bodies: writers.map((w) => snappy.compress(w.finish())), samples };
  }
}

/** A series' samples in time order (already so, unless a backfill interleaved). */
function sortByTime(acc: SeriesAcc): void {
  let sorted = true;
  for (let j = 1; j < acc.times.length && sorted; j++) sorted = (acc.times[j] as number) >= (acc.times[j - 1] as number);
  if (sorted) return;
  const order = acc.times.map((_, j) => j).sort((a, b) => (acc.times[a] as number) - (acc.times[b] as number));
  acc.values = order.map((j) => acc.values[j] as number);
  acc.times = order.map((j) => acc.times[j] as number);
}

/** The inverse, for tests and the benchmark. */
export function decodeWriteRequest(body: Uint8Array): TimeSeries[] {
  const msg = WriteRequest.decode(snappy.uncompress(body));
  const obj = WriteRequest.toObject(msg, { longs: Number, defaults: true }) as { timeseries: TimeSeries[] };
  return obj.timeseries;
}
