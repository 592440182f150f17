// The argument that makes the agent's bundle a file action's child (file-op-child.ts), apart from
// that module so that the composition root can test for it without loading the file actions.
export const FILE_OP_FLAG = '--file-op';
