// The name a server is shown by (S4): the display name an admin gave it, else its host name. The
// host name stays the agent's own (it enrolls and is matched by it), so screens that show a
// display name keep the host name beside it or in its tooltip.
export interface Named {
  hostname: string;
  displayName?: string | undefined;
}

export function serverLabel(a: Named): string {
  return a.displayName ?? a.hostname;
}

/** Whether a search text matches a server by either name (any case). */
export function namesMatch(a: Named, needle: string): boolean {
  return a.hostname.toLowerCase().includes(needle) || (a.displayName ?? '').toLowerCase().includes(needle);
}
