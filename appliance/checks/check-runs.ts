// The seam between where service checks run and what the appliance does with their results
// (S5, S6, S16): agents publish results on `rw/v1/<agentId>/checks`, the appliance's own probes
// produce them in process; both hand them to a CheckRunSink (the checks store), which keeps the
// state and its history, stores perfdata and tells listeners (the live stream, the alert engine)
// through CheckRunListener.
import type { CheckResult } from '../../contract/check-definitions.js';
import type { CheckInput, CheckStatusState, CheckType } from '../../contract/checks-api.js';

/** One result of one check on one agent, or on the appliance (agentId null) for a probe. */
export interface CheckRun {
  checkId: string;
  agentId: string | null;
  result: CheckResult;
}

export interface CheckRunSink {
  /** Stores a round of results; unknown check ids (a check deleted meanwhile) are dropped. */
  record(runs: readonly CheckRun[]): void;
}

/** What a listener learns of each recorded run. */
export interface RecordedCheckRun {
  checkId: string;
  name: string;
  type: CheckType;
  definition: CheckInput;
  agentId: string | null;
  hostname: string | null;
  previous: CheckStatusState;
  result: CheckResult;
}

export type CheckRunListener = (run: RecordedCheckRun) => void;

/** The check definitions the appliance's own probes run, and word of their changes. */
export interface ProbeDefinitionSource {
  /** every enabled probe (types probe-tcp, probe-http, probe-ping) with its id */
  probes(): { id: string; definition: CheckInput }[];
  onProbesChanged(listener: () => void): () => void;
}
