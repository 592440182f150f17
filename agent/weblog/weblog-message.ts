// The payloads of `rw/v1/<agentId>/weblog` (S11): the intervals that ended at the same second,
// as few messages as fit WEBLOG_MESSAGE_BYTES each (the appliance closes the connection of a
// packet over 256 KiB, docs/mqtt-contract.md). An interval is a few KiB; 32 sources with long
// URLs, or keys full of escaped bytes, could pass the bound, so intervals are spread over
// messages, and one interval that alone does not fit has its top tables shortened (the shortest
// lists lose the least: the most frequent keys stay) rather than being dropped.
import { WEBLOG_DIMENSIONS, WEBLOG_MESSAGE_BYTES, type WeblogInterval } from '../../contract/weblog.js';

const ENVELOPE = '{"v":1,"intervals":[]}';

/** JSON of one interval, at most `maxBytes` (UTF-8): top tables halved until it fits. */
export function intervalJson(interval: WeblogInterval, maxBytes: number): string {
  let text = JSON.stringify(interval);
  let current = interval;
  while (Buffer.byteLength(text) > maxBytes) {
    const longest = Math.max(...WEBLOG_DIMENSIONS.map((d) => current.top[d].length));
    if (longest === 0) {
      // nothing left to shorten but the samples (each ≤ 300 characters): never reached with the
      // contract's bounds, kept so that the message bound holds whatever they become
      current = { ...current, samples: [] };
      return JSON.stringify(current);
    }
    const keep = Math.floor(longest / 2);
    current = { ...current, top: Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, current.top[d].slice(0, keep)])) as WeblogInterval['top'] };
    text = JSON.stringify(current);
  }
  return text;
}

/** The messages for these intervals, in their order; each `{"v":1,"intervals":[…]}` of at most `maxBytes`. */
export function weblogMessages(intervals: readonly WeblogInterval[], maxBytes: number = WEBLOG_MESSAGE_BYTES): string[] {
  const room = maxBytes - ENVELOPE.length;
  const messages: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const interval of intervals) {
    const text = intervalJson(interval, room);
    const size = Buffer.byteLength(text);
    if (parts.length > 0 && bytes + 1 + size > room) {
      messages.push(`{"v":1,"intervals":[${parts.join(',')}]}`);
      parts = [];
      bytes = 0;
    }
    bytes += (parts.length > 0 ? 1 : 0) + size;
    parts.push(text);
  }
  if (parts.length > 0) messages.push(`{"v":1,"intervals":[${parts.join(',')}]}`);
  return messages;
}
