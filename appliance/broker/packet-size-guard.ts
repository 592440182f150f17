// MQTT packet sizes checked from each fixed header, before the body is buffered (RES,
// docs/bounds.md). Aedes 1.x parses with mqtt-packet 9, which has no maximum packet size
// (moscajs/aedes#831 is open): its parser appends every chunk to one buffer list until a packet's
// declared length has arrived, so a CONNECT declaring 250 MB was held in full before its
// credentials were looked at. The scanner here reads only the fixed headers (MQTT 3.1.1 §2.2: a
// type byte, then the remaining length as a 1–4 byte varint, which may be split across chunks)
// and skips the bodies by counting; the connection is destroyed as soon as a header declares more
// than the limit for the connection's state: before authentication a small one (the CONNECT and
// anything pipelined behind it), after it the largest publish the contract allows.
//
// The socket is not wrapped in another stream (a stream hop per chunk costs the ingest path at
// 10,000 agents): Aedes pulls each batch with `conn.read(null)` (aedes/lib/client.js
// nextBatch), so `read` is wrapped on the socket itself and sees every byte before Aedes's parser
// does. What a refused connection can have cost is what the socket had buffered, one read's
// worth (its highWaterMark and one chunk), never the declared length.
import type { Duplex } from 'node:stream';
import { METRICS_LIMITS } from '../../contract/families.js';
import { INVENTORY_LIMITS } from '../../contract/inventory.js';
import { agentTopic } from '../../contract/topics.js';

/** MQTT 3.1.1 §2.2.3: the remaining length takes at most 4 bytes (268,435,455). */
const MAX_VARINT_BYTES = 4;

export type FrameVerdict = { ok: true } | { ok: false; reason: 'too-large' | 'malformed-length'; declared: number; limit: number };

/**
 * Follows the packet boundaries of one MQTT byte stream. Pure: feed it every chunk in order;
 * `limit()` is asked at each header, so a state change (authenticated) takes effect at the next
 * packet.
 */
export class MqttFrameScanner {
  /** body bytes of the current packet still to come */
  private skip = 0;
  /** 0: expecting a type byte; 1…4: reading the varint, this many bytes read */
  private lengthBytes = 0;
  private inHeader = false;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly limit: () => number) {}

  feed(chunk: Uint8Array): FrameVerdict {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - pos);
        this.skip -= n;
        pos += n;
        continue;
      }
      const byte = chunk[pos++] as number;
      if (!this.inHeader) {
        // the type and flags byte; its value is Aedes's parser's business
        this.inHeader = true;
        this.lengthBytes = 0;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes >= MAX_VARINT_BYTES) return { ok: false, reason: 'malformed-length', declared: this.length, limit: this.limit() };
        continue;
      }
      const limit = this.limit();
      if (this.length > limit) return { ok: false, reason: 'too-large', declared: this.length, limit };
      this.inHeader = false;
      this.skip = this.length;
    }
    return { ok: true };
  }
}

export interface PacketSizeLimits {
  /** bytes of remaining length a packet may declare before the client is authenticated */
  preAuthBytes: number;
  /** and after */
  authenticatedBytes: number;
}

export interface GuardedConnection {
  /** raises the limit to `authenticatedBytes` from the next packet on */
  authenticated(): void;
  /** bytes handed to Aedes so far */
  readonly bytesPassed: number;
}

/**
 * Checks every packet's declared size on `socket` before Aedes reads it; on a refusal destroys
 * the socket and calls `onRefused` (once). Call before `aedes.handle(socket)`.
 */
export function guardPacketSizes(socket: Duplex, limits: PacketSizeLimits, onRefused: (verdict: Exclude<FrameVerdict, { ok: true }>, bytesPassed: number) => void): GuardedConnection {
  let authenticated = false;
  let bytesPassed = 0;
  let refused = false;
  const scanner = new MqttFrameScanner(() => (authenticated ? limits.authenticatedBytes : limits.preAuthBytes));
  const read = socket.read.bind(socket);
  // Aedes calls read(null) only (see the header); anything else is passed through checked too
  socket.read = (size?: number): unknown => {
    if (refused) return null;
    const chunk: unknown = read(size);
    if (!(chunk instanceof Uint8Array)) return chunk;
    const verdict = scanner.feed(chunk);
    if (!verdict.ok) {
      refused = true;
      socket.destroy();
      onRefused(verdict, bytesPassed);
      return null;
    }
    bytesPassed += chunk.length;
    return chunk;
  };
  return {
    authenticated: () => { authenticated = true; },
    get bytesPassed() { return bytesPassed; },
  };
}

/** Agent ids are [A-Za-z0-9_-]{1,64} (store/rrd-layout.ts isValidAgentId), so a topic is at most this long. */
const MAX_TOPIC_BYTES = agentTopic('x'.repeat(64), 'inventory').length;

/**
 * The largest publish an agent needs: the bigger of the two payload bounds of the contract
 * (a metrics batch, an inventory; payloads up to them are parsed, and one over them but within
 * this is acknowledged and dropped as RW_ERR_BAD_PAYLOAD), plus a PUBLISH's variable header
 * (§3.3.2: topic length, topic, packet id). Before authentication only a CONNECT is expected:
 * client id and user name are an agent id, the password a secret, the Will a status; 4 KiB is
 * several times that.
 */
export const MQTT_PACKET_LIMITS: PacketSizeLimits = {
  preAuthBytes: 4 * 1024,
  authenticatedBytes: Math.max(METRICS_LIMITS.maxPayloadBytes, INVENTORY_LIMITS.maxPayloadBytes) + 2 + MAX_TOPIC_BYTES + 2,
};
