// The RRD retention profile and storage capacity as the admin screen shows them (S4, S14;
// GET /api/v1/retention, docs/api.md, docs/storage.md). The profile is chosen at start
// (`--retention`); RRD files have a fixed layout from creation on, so it is shown, not changed,
// over HTTP: `changeable` says so and `howToChange` says what to do instead.
export interface RetentionArchive {
  /** the consolidation functions kept at this row width (AVERAGE only for per-core CPU, disk I/O and TCP states) */
  cfs: ('AVERAGE' | 'MIN' | 'MAX')[];
  /** seconds one row covers (the step itself for the raw archive) */
  rowS: number;
  /** how long the archive keeps rows, seconds */
  keepS: number;
  /** one sample per row */
  raw: boolean;
}

export interface RetentionResponse {
  profile: string;
  /** the profiles this appliance knows (`--retention`) */
  profiles: string[];
  /** the collector interval the archives and capacity below are reckoned for, seconds */
  stepS: number;
  archives: RetentionArchive[];
  /** how far back anything is kept (the longest archive), seconds */
  spanS: number;
  /** a nominal server's RRD files (docs/storage.md), bytes */
  bytesPerServer: number;
  freeBytes: number;
  serverCapacity: number;
  serversRegistered: number;
  /** false: the profile is set at start; see howToChange */
  changeable: false;
  howToChange: string;
}
