import { builtinWorkload, type BuiltinName, type BuiltinOptions } from "./builtins.js";
import { WorkloadError } from "./errors.js";
import { loadMasimConfig, type MasimOptions } from "./masim/model.js";
import { validateModel, type WorkloadModel, type WorkloadModelInput } from "./model.js";

/** Any way to name a model in JSON: a built-in, a masim config's text, or the model itself. */
export type WorkloadSpec =
  | ({ builtin: BuiltinName } & BuiltinOptions)
  | ({ masim: string } & MasimOptions)
  | WorkloadModelInput;

/** The model a spec describes (validated; errors name the JSON path, or the masim file and line). */
export function resolveWorkload(spec: unknown): WorkloadModel {
  if (typeof spec === "object" && spec !== null && !Array.isArray(spec)) {
    if ("builtin" in spec) {
      const { builtin, ...options } = spec as { builtin: unknown } & BuiltinOptions;
      if (typeof builtin !== "string") throw new WorkloadError("must be a string", { path: "builtin" });
      return builtinWorkload(builtin, options);
    }
    if ("masim" in spec) {
      const { masim, ...options } = spec as { masim: unknown } & MasimOptions;
      if (typeof masim !== "string") throw new WorkloadError("must be the text of a masim config", { path: "masim" });
      return loadMasimConfig(masim, options);
    }
  }
  return validateModel(spec);
}
