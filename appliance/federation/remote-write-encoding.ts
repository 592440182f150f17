// The Prometheus remote-write 1.0 wire format (S19): a protobuf WriteRequest
// (prometheus/prompb/remote.proto, types.proto: the fields 1.0 uses), snappy block-compressed.
// protobufjs encodes and snappyjs compresses (pure JavaScript: nothing to build on the board).
//
// The cost per forwarded sample is what limits remote write (docs/benchmarks.md "Remote write end
// to end"): a stored sample is ~6 forwarded ones (one per field). So the encoder does per sample
// only what cannot be shared: each label pair (`host="web-1"`, `__name__="rackwatch_cpu_user_percent"`)
// is a TimeSeries.labels field (a protobuf Label message, framed) encoded once by protobufjs and
// kept (a few thousand distinct pairs: hosts, groups, metric names, keys; a changed host or group
// name is simply a new pair); the labels a stored sample's fields share (appliance, group, host,
// its key) are joined once per stored sample, and each field's TimeSeries is its name label, that
// block and its sample, written with protobufjs's Writer (raw() for the encoded labels).
// No intermediate objects per forwarded sample (no label arrays, no grouping, no fromObject).
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
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

function varintBytes(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** FNV-1a of a host name: the request of a round its batches go to. */
function hostShard(host: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) h = Math.imul(h ^ host.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export class RemoteWriteEncoder {
  private readonly labelCache = new Map<string, Uint8Array>();
  /** family → field → its encoded __name__ label */
  private readonly nameCache = new Map<string, Map<string, Uint8Array>>();
  /** one writer for the label blocks of stored samples, reset for each */
  private readonly blockWriter = protobuf.Writer.create();

  /** The TimeSeries.labels field name=value: a Label message (protobufjs) with its tag and length, cached. */
  private label(name: string, value: string): Uint8Array {
    const id = `${name}\u0000${value}`;
    let bytes = this.labelCache.get(id);
    if (bytes === undefined) {
      if (this.labelCache.size >= MAX_CACHED_LABELS) {
        this.labelCache.clear();
        this.nameCache.clear();
      }
      bytes = protobuf.Writer.create().uint32(TAG_1_LEN).bytes(Label.encode({ name, value }).finish()).finish();
      this.labelCache.set(id, bytes);
    }
    return bytes;
  }

  private nameLabel(family: Family, field: string): Uint8Array {
    let fields = this.nameCache.get(family);
    if (fields === undefined) {
      fields = new Map();
      this.nameCache.set(family, fields);
    }
    let bytes = fields.get(field);
    if (bytes === undefined) {
      bytes = this.label('__name__', metricName(family, field));
      fields.set(field, bytes);
    }
    return bytes;
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
    const writers = Array.from({ length: n }, () => protobuf.Writer.create());
    const samples = new Array<number>(n).fill(0);
    const oldest = new Array<number>(n).fill(Infinity);
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
        // labels sorted by name (sample-series.ts seriesLabels): __name__, appliance, then the key
        // label before `group` (check, core, device) or after `host` (interface, key, mount, source);
        // all but __name__ are this stored sample's, whatever the field
        const keyFirst = keyName < 'group';
        const bw = this.blockWriter;
        bw.raw(appliance);
        if (key && keyFirst) bw.raw(key);
        if (group) bw.raw(group);
        bw.raw(host);
        if (key && !keyFirst) bw.raw(key);
        const shared = bw.finish();
        bw.reset();
        const ms = s.t * 1000;
        const sampleBytes = 1 + 8 + 1 + varintBytes(ms);
        for (const field in s.v) {
          const value = s.v[field];
          if (value === null || value === undefined) continue;
          w.uint32(TAG_1_LEN).fork();
          w.raw(this.nameLabel(s.f, field)).raw(shared);
          w.uint32(TAG_2_LEN).uint32(sampleBytes).uint32(TAG_VALUE).double(value).uint32(TAG_TIMESTAMP).int64(ms);
          w.ldelim();
          count++;
        }
      }
      samples[shard] = (samples[shard] ?? 0) + count;
      if (count > 0 && first < (oldest[shard] ?? Infinity)) oldest[shard] = first;
    }
    const used = writers.map((_, i) => i).filter((i) => (samples[i] ?? 0) > 0);
    return {
      bodies: used.map((i) => snappy.compress((writers[i] as protobuf.Writer).finish())), samples: used.map((i) => samples[i] ?? 0),
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
