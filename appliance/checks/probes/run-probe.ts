// One run of one appliance probe (S5), by its type.
import { runHttpProbe } from './http-probe-run.js';
import { runPingProbe } from './ping-probe-run.js';
import { runTcpProbe } from './tcp-probe-run.js';
import type { FpingBatch } from './fping-batch.js';
import type { ProbeDefinition, ProbeOutcome } from './probe-types.js';

export function runProbe(definition: ProbeDefinition, nowS: number, fping: FpingBatch): Promise<ProbeOutcome> {
  switch (definition.type) {
    case 'probe-tcp':
      return runTcpProbe(definition, nowS);
    case 'probe-http':
      return runHttpProbe(definition, nowS);
    case 'probe-ping':
      return runPingProbe(definition, nowS, fping);
  }
}
