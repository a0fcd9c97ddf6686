/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {}

/** A failure while doing the work (bad input file, I/O): exit status 1. */
export class RunError extends Error {}
