// The Prometheus remote-write 1.0 wire format (S19): a protobuf WriteRequest
// (prometheus/prompb/remote.proto, types.proto: the fields 1.0 uses), snappy block-compressed.
// protobufjs writes the messages; hysnappy compresses (snappy's C code built to WebAssembly,
// shipped inside the npm package: nothing to build on the board, the same bytes on x64 and arm64).
// snappyjs (pure JavaScript) compressed before it: 5 times slower on these requests, about 0.5 µs
// of the ~2 µs remote write cost per forwarded sample (docs/benchmarks.md "Remote write end to end").
//
// The cost per forwarded sample is what limits remote write (docs/benchmarks.md "Remote write end
// to end"): a stored sample is ~6 forwarded ones (one per field). So the encoder does per sample
// only what cannot be shared: each label pair (`host="web-1"`, `__name__="rackwatch_cpu_user_percent"`)
// is a TimeSeries.labels field (a protobuf Label message, framed) encoded once by protobufjs and
// kept (a few thousand distinct pairs: hosts, groups, metric names, keys; a changed host or group
// name is simply a new pair); the labels a stored sample's fields share (appliance, group, host,
// its key) are joined once per stored sample, and each field's TimeSeries is its name label, that
// block and its sample, written with protobufjs's Writer (raw() for the encoded labels).
// No intermediate objects per forwarded sample (no label arrays, no grouping, no fromObject, no
// fork/ldelim: a TimeSeries' length is known before it is written, and ldelim moved every
// TimeSeries of more than 127 bytes, i.e. all of them, by a byte), and no new buffers per round:
// the request writers keep their buffers from one encode to the next.
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { snappyCompressor } from 'hysnappy';
import type { Family } from '../../contract/families.js';
import type { QueuedBatch } from './queued-batch.js';
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

export interface EncodedRequests {
  /** snappy-compressed WriteRequests, at most the `requests` asked for; no series is in two of them */
  bodies: Uint8Array[];
  /** forwarded samples in each body */
  samples: number[];
  /** the shard (of `requests`) each body is: the hosts of one shard are in no other */
  shards: number[];
  /** the oldest sample's time (unix s) in each body */
  oldest: number[];
}

/** FNV-1a of a host name: the request of a round its batches go to. */
function hostShard(host: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) h = Math.imul(h ^ host.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export class RemoteWriteEncoder {
  /** label name → value → the encoded pair (two levels: no string joined per lookup) */
  private readonly labelCache = new Map<string, Map<string, Uint8Array>>();
  private cachedLabels = 0;
  /** family → field → its encoded __name__ label */
  private readonly nameCache = new Map<string, Map<string, Uint8Array>>();
  /** one writer for the label blocks of stored samples, reset for each */
  private readonly blockWriter = protobuf.Writer.create();
  /** a request's writer per shard, kept with its buffer across rounds (reset, never reallocated) */
  private readonly writers: protobuf.Writer[] = [];
  /** Sample.timestamp with its tag, per time (ms) of this round: a round holds a few distinct times */
  private readonly timestamps = new Map<number, Uint8Array>();
  /** hysnappy's compressor: its WebAssembly instance is made once, on the first round */
  private compress: ((raw: Uint8Array) => Uint8Array) | null = null;

  /** The TimeSeries.labels field name=value: a Label message (protobufjs) with its tag and length, cached. */
  private label(name: string, value: string): Uint8Array {
    let values = this.labelCache.get(name);
    let bytes = values?.get(value);
    if (bytes === undefined) {
      if (this.cachedLabels >= MAX_CACHED_LABELS) {
        this.labelCache.clear();
        this.nameCache.clear();
        this.cachedLabels = 0;
        values = undefined;
      }
      if (values === undefined) {
        values = new Map();
        this.labelCache.set(name, values);
      }
      bytes = protobuf.Writer.create().uint32(TAG_1_LEN).bytes(Label.encode({ name, value }).finish()).finish();
      values.set(value, bytes);
      this.cachedLabels++;
    }
    return bytes;
  }

  /** The family's __name__ labels by field (looked up once per stored sample, not per field). */
  private nameLabels(family: Family): Map<string, Uint8Array> {
    let fields = this.nameCache.get(family);
    if (fields === undefined) {
      fields = new Map();
      this.nameCache.set(family, fields);
    }
    return fields;
  }

  private nameLabel(family: Family, fields: Map<string, Uint8Array>, field: string): Uint8Array {
    let bytes = fields.get(field);
    if (bytes === undefined) {
      bytes = this.label('__name__', metricName(family, field));
      fields.set(field, bytes);
    }
    return bytes;
  }

  /** Sample.timestamp (field 2, varint) of time `ms`: protobufjs's int64 makes a LongBits per call, so once per time. */
  private timestamp(ms: number): Uint8Array {
    let bytes = this.timestamps.get(ms);
    if (bytes === undefined) {
      bytes = protobuf.Writer.create().uint32(TAG_TIMESTAMP).int64(ms).finish();
      this.timestamps.set(ms, bytes);
    }
    return bytes;
  }

  private writer(shard: number): protobuf.Writer {
    let w = this.writers[shard];
    if (w === undefined) {
      w = protobuf.Writer.create();
      this.writers[shard] = w;
    }
    w.reset();
    return w;
  }

  /**
   * The samples of `batches` in at most `requests` WriteRequests (empty ones left out), one
   * TimeSeries per sample, in queue order. Two rules make this safe to send side by side:
   *  - a batch's request is chosen by its host (hostShard), and every series carries its host
   *    label: one series is never in two requests of a round (the sender's ordering rule,
   *    remote-writer.ts);
   *  - queue order is each series' time order: rrdcached stores a sample only when it is newer
   *    than its file's last (rrd-store.ts onStored), and the downsampler closes buckets in order.
   *    So within a request a series' samples, in as many TimeSeries, go forward in time, which is
   *    what a receiver needs (Prometheus appends a request's series in turn).
   * No grouping by series: at scale a series appears once per request anyway (a round holds a
   * few thousand of the fleet's hundreds of thousands of series), and the grouping's maps and
   * arrays were half of the encoding's cost.
   */
  encode(batches: readonly QueuedBatch[], requests: number): EncodedRequests {
    const n = Math.max(1, requests);
    const writers = Array.from({ length: n }, (_, i) => this.writer(i));
    const samples = new Array<number>(n).fill(0);
    const oldest = new Array<number>(n).fill(Infinity);
    const bw = this.blockWriter;
    this.timestamps.clear();
    for (const b of batches) {
      const shard = n === 1 ? 0 : hostShard(b.o.host, n);
      const w = writers[shard] as protobuf.Writer;
      const appliance = this.label('appliance', b.o.appliance);
      const host = this.label('host', b.o.host);
      const group = b.o.group !== '' ? this.label('group', b.o.group) : null;
      let count = 0;
      let first = Infinity;
      for (const s of b.s) {
        if (s.t < first) first = s.t;
        const keyName = KEY_LABEL[s.f];
        const key = s.k !== undefined && s.k !== '' ? this.label(keyName, s.k) : null;
        const ms = s.t * 1000;
        const timestamp = this.timestamp(ms);
        const sampleBytes = 1 + 8 + timestamp.length;
        // labels sorted by name (sample-series.ts seriesLabels): __name__, appliance, then the key
        // label before `group` (check, core, device) or after `host` (interface, key, mount, source);
        // all but __name__ are this stored sample's, whatever the field; the block ends with the
        // start of the TimeSeries.samples field (its tag, length and Sample.value's tag), the same
        // for every field
        const keyFirst = keyName < 'group';
        bw.reset();
        bw.raw(appliance);
        if (key && keyFirst) bw.raw(key);
        if (group) bw.raw(group);
        bw.raw(host);
        if (key && !keyFirst) bw.raw(key);
        bw.uint32(TAG_2_LEN).uint32(sampleBytes).uint32(TAG_VALUE);
        // a view of the block writer's buffer, copied into the request before the next reset
        const shared = bw.finish(true);
        // what follows each TimeSeries' name label: the block, the value, the timestamp
        const rest = shared.length + 8 + timestamp.length;
        const names = this.nameLabels(s.f);
        for (const field in s.v) {
          const value = s.v[field];
          if (value === null || value === undefined) continue;
          const name = names.get(field) ?? this.nameLabel(s.f, names, field);
          w.uint32(TAG_1_LEN).uint32(name.length + rest).raw(name).raw(shared).double(value).raw(timestamp);
          count++;
        }
      }
      samples[shard] = (samples[shard] ?? 0) + count;
      if (count > 0 && first < (oldest[shard] ?? Infinity)) oldest[shard] = first;
    }
    const used = writers.map((_, i) => i).filter((i) => (samples[i] ?? 0) > 0);
    const compress = (this.compress ??= snappyCompressor());
    return {
      // finish(true): a view of the writer's buffer, which the compressor copies
      bodies: used.map((i) => compress((writers[i] as protobuf.Writer).finish(true))), samples: used.map((i) => samples[i] ?? 0),
      shards: used, oldest: used.map((i) => oldest[i] ?? 0),
    };
  }
}

/** The inverse, for tests and the benchmark. */
export function decodeWriteRequest(body: Uint8Array): TimeSeries[] {
  const msg = WriteRequest.decode(snappy.uncompress(body));
  const obj = WriteRequest.toObject(msg, { longs: Number, defaults: true }) as { timeseries: TimeSeries[] };
  return obj.timeseries;
}
