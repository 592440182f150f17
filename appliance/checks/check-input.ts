// A check definition from the API (S5, S6, S16), checked (pure): the contract's schema first,
// then what a schema cannot say: where the check runs, a timeout within its interval, and
// regular expressions the checks' linear-time engine accepts (core/linear-pattern.ts), so that a
// pattern the agent would refuse is a 400 naming the field here, not an UNKNOWN there.
// Every problem is "path: message" (docs/conventions.md 6).
import { agentCheckSchema, type AgentCheck } from '../../contract/check-definitions.js';
import { AGENT_CHECK_TYPES, checkInputSchema, type CheckInput } from '../../contract/checks-api.js';
import { compileLinearPattern } from '../../core/linear-pattern.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';

export function isAgentCheck(input: CheckInput): input is Extract<CheckInput, { type: (typeof AGENT_CHECK_TYPES)[number] }> {
  return (AGENT_CHECK_TYPES as readonly string[]).includes(input.type);
}

/** The regular expressions of a definition, each with its path. */
function patternsOf(input: CheckInput): [string, string][] {
  switch (input.type) {
    case 'port':
    case 'probe-tcp':
      return input.expect ? [['expect', input.expect]] : [];
    case 'process':
      return input.commandLine ? [['commandLine', input.commandLine]] : [];
    case 'log':
      return input.patterns.map((p, i) => [`patterns.${i}.pattern`, p.pattern]);
    case 'probe-http':
      return input.bodyPattern ? [['bodyPattern', input.bodyPattern]] : [];
    case 'script':
    case 'quota':
    case 'probe-ping':
      return [];
  }
}

/** Checks untrusted JSON as a check definition. */
export function parseCheckInput(body: unknown): Parsed<CheckInput> {
  const r = checkInputSchema.safeParse(body);
  if (!r.success) return { ok: false, problems: problemsOf(r.error) };
  const input = r.data;
  const problems: string[] = [];
  if (isAgentCheck(input)) {
    if ((input.agentId === undefined) === (input.groupId === undefined)) {
      problems.push(`agentId: a ${input.type} check runs on one server (agentId) or on every member of a group (groupId): give exactly one`);
    }
  }
  if (input.timeout !== undefined && input.timeout > input.interval) {
    problems.push(`timeout: at most the interval (${input.interval} s)`);
  }
  for (const [at, source] of patternsOf(input)) {
    const compiled = compileLinearPattern(source);
    if ('error' in compiled) problems.push(`${at}: ${compiled.error}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: input };
}

/**
 * The check as an agent receives it in its config (contract/check-definitions.ts): the API's
 * `interval`/`timeout` become `intervalS`/`timeoutS`, the id is the check's, and what only the
 * appliance reads (where it runs, whether it is enabled) is left out.
 */
export function agentCheckOf(id: string, input: CheckInput): AgentCheck {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { agentId, groupId, enabled, interval, timeout, ...params } = input as CheckInput & { groupId?: string };
  return agentCheckSchema.parse({ ...params, id, intervalS: interval, ...(timeout !== undefined ? { timeoutS: timeout } : {}) });
}
