// Metric families (S1): each family lists its fields once; the agent fills them, the appliance
// stores them (one RRD data source per field, in this order), and the web UI labels them. No
// runtime dependency here, so the browser bundle can import it. Adding a field to a family
// changes the RRD layout: see the README ("Storage") before doing it.

export type Unit = '%' | 'B' | 'B/s' | '/s' | '' ;

export interface FamilyDef {
  /** true when the family has one series per key (filesystem mount point, interface name). */
  keyed: boolean;
  /** Field name → unit. Field names are RRD data-source names: [a-z0-9_], at most 19 chars. */
  fields: Record<string, Unit>;
}

export const FAMILIES = {
  cpu: { keyed: false, fields: { user: '%', system: '%', iowait: '%', steal: '%', idle: '%' } },
  load: { keyed: false, fields: { load1: '', load5: '', load15: '' } },
  memory: {
    keyed: false,
    fields: { total: 'B', used: 'B', available: 'B', cached: 'B', swap_total: 'B', swap_used: 'B' },
  },
  fs: {
    keyed: true,
    fields: { size: 'B', used: 'B', avail: 'B', inodes: '', inodes_used: '' },
  },
  net: {
    keyed: true,
    fields: {
      rx_bytes: 'B/s', tx_bytes: 'B/s', rx_packets: '/s', tx_packets: '/s',
      rx_errs: '/s', tx_errs: '/s', rx_drop: '/s', tx_drop: '/s', colls: '/s',
    },
  },
} as const satisfies Record<string, FamilyDef>;

export type Family = keyof typeof FAMILIES;
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];
export type FieldOf<F extends Family> = keyof (typeof FAMILIES)[F]['fields'] & string;

export function familyFields(family: Family): string[] {
  return Object.keys(FAMILIES[family].fields);
}
