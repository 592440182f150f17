// RES: the packet-size guard's scanner follows MQTT fixed headers (type byte + remaining-length
// varint, MQTT 3.1.1 §2.2) across any chunking, skips bodies, and refuses at the header that
// declares more than the limit of the moment.
import t from 'tap';
import { generate } from 'mqtt-packet';
import { MqttFrameScanner } from '../../../appliance/broker/packet-size-guard.js';
import { fixedHeader } from '../../helpers/mqtt-fixed-header.js';

function feedInPieces(scanner: MqttFrameScanner, bytes: Buffer, piece: number): ReturnType<MqttFrameScanner['feed']> {
  for (let at = 0; at < bytes.length; at += piece) {
    const v = scanner.feed(bytes.subarray(at, at + piece));
    if (!v.ok) return v;
  }
  return { ok: true };
}

void t.test('real packets within the limit pass in chunks of every size, one byte included', (t) => {
  const stream = Buffer.concat([
    generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'agent-1', keepalive: 30, username: 'agent-1', password: Buffer.from('secret') }),
    generate({ cmd: 'publish', topic: 'rw/v1/agent-1/metrics', payload: Buffer.alloc(20_000, 0x61), qos: 1, messageId: 7, retain: false, dup: false }),
    generate({ cmd: 'pingreq' }),
    generate({ cmd: 'publish', topic: 'rw/v1/agent-1/metrics', payload: Buffer.alloc(300, 0x62), qos: 1, messageId: 8, retain: false, dup: false }),
  ]);
  for (const piece of [1, 2, 3, 7, 1000, stream.length]) {
    t.same(feedInPieces(new MqttFrameScanner(() => 30_000), stream, piece), { ok: true }, `chunks of ${piece}`);
  }
  t.end();
});

void t.test('a header declaring more than the limit is refused before its body, even split mid-varint', (t) => {
  const big = Buffer.concat([fixedHeader(0x10, 250_000_000), Buffer.alloc(10)]);
  for (const piece of [1, 2, 3, big.length]) {
    const v = feedInPieces(new MqttFrameScanner(() => 4096), big, piece);
    t.same(v, { ok: false, reason: 'too-large', declared: 250_000_000, limit: 4096 }, `chunks of ${piece}`);
  }
  t.same(new MqttFrameScanner(() => 4096).feed(fixedHeader(0x10, 4096)), { ok: true }, 'exactly the limit passes');
  t.end();
});

void t.test('the limit is asked at each header: raised after the first packet, the second may be bigger', (t) => {
  let limit = 100;
  const scanner = new MqttFrameScanner(() => limit);
  t.same(scanner.feed(Buffer.concat([fixedHeader(0x10, 50), Buffer.alloc(50)])), { ok: true });
  limit = 10_000;
  t.same(scanner.feed(Buffer.concat([fixedHeader(0x32, 5000), Buffer.alloc(5000)])), { ok: true });
  t.match(scanner.feed(fixedHeader(0x32, 10_001)), { ok: false, reason: 'too-large' });
  t.end();
});

void t.test('a remaining length with a fifth varint byte is malformed', (t) => {
  t.match(new MqttFrameScanner(() => 1e9).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), { ok: false, reason: 'malformed-length' });
  t.end();
});
