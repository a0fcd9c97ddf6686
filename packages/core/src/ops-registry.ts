import { DamonError } from "./errors.js";

/** enum damon_ops_id (5.18+). */
export const DAMON_OPS_VADDR = 0;
export const DAMON_OPS_FVADDR = 1;
export const DAMON_OPS_PADDR = 2;
export const NR_DAMON_OPS = 3;

/** The kernel-wide table of registered operations sets (damon_register_ops / damon_select_ops). */
export class OpsRegistry {
  readonly #slots: Array<string | null> = ["vaddr", "fvaddr", "paddr"];

  /** damon_register_ops: EINVAL for an unknown id or an id already registered. */
  register(id: number, name: string): void {
    if (!(id >= 0 && id < NR_DAMON_OPS) || this.#slots[id]) {
      throw new DamonError("EINVAL", `cannot register operations ${id}`);
    }
    this.#slots[id] = name;
  }

  /** Empties a slot (what the kunit test does to re-register). */
  unregister(id: number): void {
    if (id >= 0 && id < NR_DAMON_OPS) this.#slots[id] = null;
  }

  /** damon_select_ops' check: EINVAL unless the id is registered. Returns its name. */
  select(id: number): string {
    const name = id >= 0 && id < NR_DAMON_OPS ? this.#slots[id] : null;
    if (!name) throw new DamonError("EINVAL", `operations ${id} are not registered`);
    return name;
  }
}
