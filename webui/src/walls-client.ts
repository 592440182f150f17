// Typed calls to the walls and schematic API (contract/walls-api.ts; S9, S21).
import type { Schematic, SchematicInput, Wall, WallInput } from '../../contract/walls-api.js';
import { requestJson } from './api-client.js';

const enc = encodeURIComponent;

export function listWalls(signal?: AbortSignal): Promise<Wall[]> {
  return requestJson<{ walls: Wall[] }>('/walls', { signal }).then((r) => r.walls);
}

export function saveWall(input: WallInput, id: string | null): Promise<Wall> {
  return id === null ? requestJson<Wall>('/walls', { method: 'POST', body: input }) : requestJson<Wall>(`/walls/${enc(id)}`, { method: 'PUT', body: input });
}

export function deleteWall(id: string): Promise<void> {
  return requestJson<void>(`/walls/${enc(id)}`, { method: 'DELETE' });
}

export function getSchematic(signal?: AbortSignal): Promise<Schematic> {
  return requestJson<Schematic>('/schematic', { signal });
}

export function saveSchematic(input: SchematicInput): Promise<Schematic> {
  return requestJson<Schematic>('/schematic', { method: 'PUT', body: input });
}
