// Classifies `+CMS ERROR: <err>` (TS 27.005 §3.2.5) and `+CME ERROR: <err>` (TS 27.007 §9.2)
// codes into what the driver and the outbox should do about them (pure, no I/O). The CMS table
// follows docs/notes/sms.md (beside the project) §1; CMS 0–127 are RP-causes (TS 24.011 Annex E.2), 128–255
// TP-FCS values (TS 23.040 §9.2.3.22), 300–511 ME/network errors, ≥ 512 vendor-specific.

export type ModemErrorClass =
  /** The network refused for now: back off and re-check registration. */
  | 'transient-network'
  /** The module stumbled: retry; after a few in a row re-init, then reset. */
  | 'transient-module'
  /** The module is in the wrong state (mode, PIN, storage, SMSC): fix it, then retry. */
  | 'state'
  /** This message can never be sent as it is: do not retry; alarm or use another channel. */
  | 'permanent'
  /** The SIM or module needs a person (PUK, SIM failure): stop and alarm. */
  | 'fatal'
  /** Nothing is wrong (e.g. an empty storage index). */
  | 'benign';

export interface RetryHint {
  readonly retry: boolean;
  /** First and largest back-off between attempts, in ms (when `retry`). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** What to do before retrying, or instead of it. */
  readonly action: 'none' | 'recheck-registration' | 'reinit-after-repeats' | 'fix-state' | 'alarm';
}

export interface ModemErrorClassification {
  readonly kind: 'cms' | 'cme';
  readonly code: number;
  readonly class: ModemErrorClass;
  readonly hint: RetryHint;
  /** A short English reading of the code, for logs and the UI. */
  readonly meaning: string;
}

const HINTS: Record<ModemErrorClass, RetryHint> = {
  'transient-network': { retry: true, backoffMs: { initial: 5_000, max: 120_000 }, action: 'recheck-registration' },
  'transient-module': { retry: true, backoffMs: { initial: 2_000, max: 30_000 }, action: 'reinit-after-repeats' },
  state: { retry: true, backoffMs: { initial: 2_000, max: 30_000 }, action: 'fix-state' },
  permanent: { retry: false, action: 'alarm' },
  fatal: { retry: false, action: 'alarm' },
  benign: { retry: false, action: 'none' },
};

/** TS 27.005 §3.2.5 and TS 24.011 E.2 codes the notes' table names, with their class and meaning. */
const CMS: ReadonlyMap<number, readonly [ModemErrorClass, string]> = new Map([
  // RP-causes (TS 24.011 Annex E.2)
  [1, ['permanent', 'unassigned (unallocated) number']],
  [8, ['permanent', 'operator determined barring']],
  [10, ['permanent', 'call barred']],
  [17, ['transient-network', 'network failure']],
  [21, ['permanent', 'short message transfer rejected']],
  [22, ['transient-network', 'memory capacity exceeded / congestion']],
  [29, ['permanent', 'facility rejected']],
  [30, ['permanent', 'unknown subscriber']],
  [38, ['transient-network', 'network out of order']],
  [41, ['transient-network', 'temporary failure']],
  [42, ['transient-network', 'congestion']],
  [47, ['transient-network', 'resources unavailable, unspecified']],
  [50, ['permanent', 'requested facility not subscribed']],
  [69, ['permanent', 'requested facility not implemented']],
  [95, ['permanent', 'invalid short message transfer reference value']],
  [96, ['permanent', 'invalid message, unspecified']],
  [97, ['permanent', 'invalid mandatory information']],
  [98, ['permanent', 'message type non-existent or not implemented']],
  [99, ['permanent', 'message not compatible with short message protocol state']],
  [111, ['permanent', 'protocol error, unspecified']],
  // ME / network errors (TS 27.005 §3.2.5)
  [300, ['transient-module', 'ME failure']],
  [301, ['permanent', 'SMS service of ME reserved']],
  [302, ['state', 'operation not allowed (wrong mode, or the module is still booting)']],
  [303, ['permanent', 'operation not supported']],
  [304, ['permanent', 'invalid PDU mode parameter (malformed PDU)']],
  [305, ['permanent', 'invalid text mode parameter']],
  [310, ['fatal', 'SIM not inserted']],
  [311, ['state', 'SIM PIN required']],
  [312, ['state', 'PH-SIM PIN required']],
  [313, ['fatal', 'SIM failure']],
  [314, ['transient-module', 'SIM busy']],
  [315, ['fatal', 'SIM wrong']],
  [316, ['fatal', 'SIM PUK required']],
  [317, ['state', 'SIM PIN2 required']],
  [318, ['fatal', 'SIM PUK2 required']],
  [320, ['transient-module', 'memory failure']],
  [321, ['benign', 'invalid memory index (empty)']],
  [322, ['state', 'memory full']],
  [330, ['state', 'SMSC address unknown']],
  [331, ['transient-network', 'no network service']],
  [332, ['transient-network', 'network timeout']],
  [340, ['benign', 'no +CNMA acknowledgement expected']],
  [500, ['transient-module', 'unknown error']],
]);

/** TS 27.007 §9.2.1 / §9.2.2 codes the driver acts on. */
const CME: ReadonlyMap<number, readonly [ModemErrorClass, string]> = new Map([
  [0, ['transient-module', 'phone failure']],
  [3, ['state', 'operation not allowed']],
  [4, ['permanent', 'operation not supported']],
  [10, ['fatal', 'SIM not inserted']],
  [11, ['state', 'SIM PIN required']],
  [12, ['fatal', 'SIM PUK required']],
  [13, ['fatal', 'SIM failure']],
  [14, ['transient-module', 'SIM busy']],
  [15, ['fatal', 'SIM wrong']],
  [16, ['fatal', 'incorrect password']],
  [17, ['state', 'SIM PIN2 required']],
  [18, ['fatal', 'SIM PUK2 required']],
  [20, ['state', 'memory full']],
  [21, ['benign', 'invalid index']],
  [22, ['benign', 'not found']],
  [30, ['transient-network', 'no network service']],
  [31, ['transient-network', 'network timeout']],
  [100, ['transient-module', 'unknown']],
]);

/** Classifies a `+CMS ERROR` code. Unlisted codes fall back by range (see the header). */
export function classifyCms(code: number): ModemErrorClassification {
  const known = CMS.get(code);
  const [cls, meaning] = known ?? cmsFallback(code);
  return { kind: 'cms', code, class: cls, hint: HINTS[cls], meaning };
}

/** Classifies a `+CME ERROR` code. Unlisted codes are transient-module: retried a bounded number of times. */
export function classifyCme(code: number): ModemErrorClassification {
  const [cls, meaning] = CME.get(code) ?? (['transient-module', 'unlisted equipment error'] as const);
  return { kind: 'cme', code, class: cls, hint: HINTS[cls], meaning };
}

function cmsFallback(code: number): readonly [ModemErrorClass, string] {
  // Other RP-causes: mostly temporary conditions of the path to the recipient; for alerts a
  // bounded retry beats a silent loss.
  if (code >= 0 && code <= 127) return ['transient-network', 'RP-cause (TS 24.011 E.2)'];
  // TP-FCS: the SMSC or SIM rejected this TPDU (TS 23.040 §9.2.3.22).
  if (code >= 128 && code <= 255) return ['permanent', 'TP-failure cause (TS 23.040 §9.2.3.22)'];
  return ['transient-module', code >= 512 ? 'vendor-specific error' : 'unlisted ME error'];
}

/** The retry hint of a class (for callers that only keep the class). */
export function retryHint(cls: ModemErrorClass): RetryHint {
  return HINTS[cls];
}
