// What GET /retention answers (S4, S14): the RRD archives of the running profile at the nominal
// collector interval, how far back they keep data, and the storage capacity those files leave.
// Pure: the composition root passes in the capacity figures.
import type { RetentionArchive, RetentionResponse } from '../../contract/retention-api.js';
import { archives, RETENTION_PROFILES, retentionSpanS, type RetentionProfile } from './rrd-layout.js';

/**
 * Why the profile is not changed over HTTP: every RRD file already made keeps the archives it
 * was created with (rrdtool cannot change a file's archives in place), a second layout beside
 * them would make capacity, series reads and statistics depend on each file's age, and the
 * tools that could convert files (`rrdtool create --source`) rewrite every file, ~50 MB a
 * server, while the store writes to them. A restart with the other profile applies it to files
 * made from then on; the admin screen says so.
 */
export const HOW_TO_CHANGE_RETENTION = 'Start the appliance with --retention <profile> (RW_RETENTION). Files made from then on get the new archives; existing files keep theirs until removed.';

export interface RetentionFigures {
  profile: RetentionProfile;
  stepS: number;
  capacity: { freeBytes: number; bytesPerServer: number; serverCapacity: number };
  serversRegistered: number;
}

/** The archives of a whole-machine family (cpu: AVERAGE, MIN and MAX) grouped by row width. */
function archiveRows(stepS: number, profile: RetentionProfile): RetentionArchive[] {
  const out: RetentionArchive[] = [];
  for (const r of archives(stepS, profile, 'cpu')) {
    const rowS = r.pdpPerRow * stepS;
    const same = out.find((a) => a.rowS === rowS);
    if (same) same.cfs.push(r.cf);
    else out.push({ cfs: [r.cf], rowS, keepS: rowS * r.rows, raw: r.pdpPerRow === 1 });
  }
  return out;
}

export function retentionView(f: RetentionFigures): RetentionResponse {
  return {
    profile: f.profile,
    profiles: [...RETENTION_PROFILES],
    stepS: f.stepS,
    archives: archiveRows(f.stepS, f.profile),
    spanS: retentionSpanS(f.profile),
    bytesPerServer: f.capacity.bytesPerServer,
    freeBytes: f.capacity.freeBytes,
    serverCapacity: f.capacity.serverCapacity,
    serversRegistered: f.serversRegistered,
    changeable: false,
    howToChange: HOW_TO_CHANGE_RETENTION,
  };
}
