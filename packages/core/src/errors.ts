/** Error codes follow errno names so that interfaces built on core (dbgfs) can map them 1:1. */
export type DamonErrorCode = "EINVAL" | "EBUSY" | "ENOMEM" | "EPERM" | "ESRCH" | "ENOENT" | "EEXIST" | "ERANGE";

export class DamonError extends Error {
  override readonly name = "DamonError";
  constructor(
    readonly code: DamonErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export function invalid(message: string): DamonError {
  return new DamonError("EINVAL", message);
}
