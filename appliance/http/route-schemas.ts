// zod schemas the routes share for their path parameters (docs/api.md): every input has a bound.
import { z } from 'zod';
import { MAX_PARAM_CHARS } from './http-server.js';

/** One path parameter: an id of an agent, rule, group or contact. */
export const idText = z.string().min(1).max(MAX_PARAM_CHARS);

export const idParams = z.object({ id: idText });
export const idAgentParams = z.object({ id: idText, agentId: idText });
