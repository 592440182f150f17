// How a stored sample is named upstream (S19, B8): one Prometheus series per family field (and
// key), `rackwatch_<family>_<field>_<unit>` following Prometheus's naming (base units, `_bytes`,
// `_percent`, `_per_second`), with the labels appliance, host, group and the family's key under
// its own name (mount, interface, core…). The dashboards in docs/grafana query these names.
import { FAMILIES, type Family, type Unit } from '../../contract/families.js';

/** The label the family's key travels under. */
export const KEY_LABEL: Readonly<Record<Family, string>> = {
  cpu: 'key', cpucore: 'core', load: 'key', memory: 'key', fs: 'mount', net: 'interface', disk: 'device', smart: 'device', tcp: 'key', check: 'check', weblog: 'source',
};

const UNIT_SUFFIX: Readonly<Record<Unit, string>> = { '%': 'percent', B: 'bytes', 'B/s': 'bytes_per_second', '/s': 'per_second', '': '' };

/** `rackwatch_net_rx_bytes_per_second`, `rackwatch_fs_used_bytes`, `rackwatch_load_load1`. */
export function metricName(family: Family, field: string): string {
  const unit = (FAMILIES[family].fields as Record<string, Unit>)[field] ?? '';
  let suffix = UNIT_SUFFIX[unit];
  // a field already named for its unit (rx_bytes, read_bytes, bytes) is not said twice
  if (suffix.startsWith('bytes') && (field === 'bytes' || field.endsWith('_bytes'))) suffix = suffix.slice('bytes'.length).replace(/^_/, '');
  return ['rackwatch', family, field, suffix].filter((p) => p !== '').join('_');
}

/** A queued record's identity labels (everything but the name and the key). */
export interface SeriesOrigin {
  appliance: string;
  host: string;
  /** the agent's server groups, by name, comma-separated; '' when none */
  group: string;
}

/** The sorted label pairs of one series (remote write wants them sorted by name). */
export function seriesLabels(origin: SeriesOrigin, family: Family, field: string, key: string | undefined): [string, string][] {
  const labels: [string, string][] = [['__name__', metricName(family, field)], ['appliance', origin.appliance], ['host', origin.host]];
  if (origin.group !== '') labels.push(['group', origin.group]);
  if (key !== undefined && key !== '') labels.push([KEY_LABEL[family], key]);
  return labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
