// The shape of a service check's result (S5, S6), by the monitoring-plugins convention: a state
// and performance data. Here in core/ because the TCP check (core/tcp-probe.ts) runs on both the
// agent and the appliance; contract/checks.ts re-exports it with the rest of the checks' contract.

export const CHECK_STATES = ['ok', 'warning', 'critical', 'unknown'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

/** One measurement: `'label'=value[UOM];[warn];[crit];[min];[max]`. */
export interface Perfdatum {
  label: string;
  /** null: the plugin wrote `U` (the value could not be determined) */
  value: number | null;
  unit: string;
  /** threshold ranges as written (see contract/checks.ts parseThresholdRange); null when absent */
  warn: string | null;
  crit: string | null;
  min: number | null;
  max: number | null;
}
