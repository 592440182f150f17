// Fuzzing the PDU decoders (RES, D4): incoming SMS and status reports come from the serial port
// (AT+CMGR / AT+CMGL / +CMT / +CDS), i.e. from the modem and the network, not from us. Real PDUs
// (test/fixtures/fuzz/pdu-corpus.json: published traces and the codec's test vectors) are damaged
// nibble by nibble and byte by byte. Whatever comes in, a decoder returns a message or throws a
// coded RwError (RW_ERR_PDU), never a TypeError or RangeError that would reach the driver as a bug.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { isRwError } from '../../../contract/errors.js';
import { decodeDeliver, decodeIncoming, decodeStatusReport } from '../../../gsm/sms/index.js';
import { fuzzParams, mutatedHex } from '../../helpers/fuzz.js';
import { repoRoot } from '../../helpers/paths.js';

const CORPUS = (JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/fuzz/pdu-corpus.json'), 'utf8')) as { pdus: string[] }).pdus;

/** Runs a decoder: a result, or an RwError; anything else is a bug. */
function decodesOrRefuses(decode: () => unknown): 'decoded' | 'refused' {
  try {
    decode();
    return 'decoded';
  } catch (e) {
    if (isRwError(e)) return 'refused';
    throw e;
  }
}

void t.test('most of the corpus decodes (the rest are the codec tests\' broken vectors, kept as seeds)', (t) => {
  const decodable = CORPUS.filter((hex) => [true, false].some((withSmsc) => decodesOrRefuses(() => decodeIncoming(hex, { withSmsc })) === 'decoded'));
  t.ok(decodable.length >= CORPUS.length * 0.75, `${decodable.length} of ${CORPUS.length}`);
  t.end();
});

void t.test('mutated PDUs: decodeIncoming, decodeDeliver and decodeStatusReport return or throw an RwError, nothing else', (t) => {
  const seen = { decoded: 0, refused: 0 };
  fc.assert(fc.property(mutatedHex(CORPUS), fc.boolean(), (hex, withSmsc) => {
    seen[decodesOrRefuses(() => decodeIncoming(hex, { withSmsc }))]++;
    decodesOrRefuses(() => decodeDeliver(hex, { withSmsc }));
    decodesOrRefuses(() => decodeStatusReport(hex, { withSmsc }));
  }), fuzzParams(4_000));
  t.ok(seen.decoded > 0 && seen.refused > 0, `both outcomes are reached (${seen.decoded} decoded, ${seen.refused} refused)`);
  t.end();
});

void t.test('random hex: the same', (t) => {
  const hexByte = fc.nat({ max: 255 }).map((b) => b.toString(16).padStart(2, '0'));
  fc.assert(fc.property(fc.array(hexByte, { maxLength: 200 }).map((bs) => bs.join('')), fc.boolean(), (hex, withSmsc) => {
    decodesOrRefuses(() => decodeIncoming(hex, { withSmsc }));
  }), fuzzParams(2_000));
  t.end();
});
