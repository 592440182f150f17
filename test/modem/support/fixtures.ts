// Loads the AT transcripts under test/fixtures/modem (see its README).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AtToken } from '../../../appliance/modem/at-tokenizer.js';

export interface Transcript {
  readonly description: string;
  readonly command?: string;
  /** Modem output, one JSON character per byte (latin1). */
  readonly rx: string;
  readonly tokens: readonly AtToken[];
}

export function loadTranscript(name: string): Transcript {
  const url = new URL(`../../fixtures/modem/${name}`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as Transcript;
}

export const TRANSCRIPTS = ['huawei-send-with-urcs.json', 'simcom-boot-and-init.json', 'cmgl-with-status-report.json'] as const;
