// Loads the AT transcripts under test/fixtures/modem (see its README).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { AtToken } from '../../../../gsm/modem/at-tokenizer.js';
import { fixturesDir } from '../../../helpers/paths.js';

export interface Transcript {
  readonly description: string;
  readonly command?: string;
  /** Modem output, one JSON character per byte (latin1). */
  readonly rx: string;
  readonly tokens: readonly AtToken[];
}

export function loadTranscript(name: string): Transcript {
  const url = path.join(fixturesDir, 'modem', name);
  return JSON.parse(readFileSync(url, 'utf8')) as Transcript;
}

export const TRANSCRIPTS = ['huawei-send-with-urcs.json', 'simcom-boot-and-init.json', 'cmgl-with-status-report.json'] as const;
