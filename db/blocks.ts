// Placeholder until this module is written (see the work split in the session).
export const blockOps = {};
