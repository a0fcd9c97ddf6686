/** Where a problem was found: a config file and line, or a path into a JSON model. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  /** JSON path such as `phases[1].patterns[0].weight`. */
  path?: string;
}

/**
 * A workload that cannot be built or run: a malformed masim config, an invalid model, a
 * trace that does not parse. The message starts with the location ("file:line: " or
 * "path: "), so it can be shown as is.
 */
export class WorkloadError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly path?: string;
  readonly problem: string;

  constructor(problem: string, where: ErrorLocation = {}) {
    super(prefix(where) + problem);
    this.name = "WorkloadError";
    this.problem = problem;
    this.file = where.file;
    this.line = where.line;
    this.path = where.path;
  }
}

function prefix({ file, line, path }: ErrorLocation): string {
  if (file !== undefined && line !== undefined) return `${file}:${line}: `;
  if (file !== undefined) return `${file}: `;
  if (path !== undefined) return `${path}: `;
  return "";
}
