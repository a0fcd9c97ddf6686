import { KERNEL_BYTES } from "@damon-sim/wasm";
import { AddressSpace } from "./address-space.js";
import { DamonContext, type ContextOptions } from "./context.js";
import { DamonError } from "./errors.js";
import { Machine, type MachineOptions, type Task } from "./machine.js";
import { SimMemory, type SimMemoryOptions } from "./memory.js";
import type { Seed } from "./rng.js";

/** Anything that acts over virtual time: workloads, generators, trace replayers. */
export interface Actor {
  /** Carries the actor's activity forward to `nowUs` (accesses, maps, exits). */
  advance(nowUs: number): void;
}

export interface SimulationOptions {
  /** Seed of every random choice in the simulation (default 0). */
  seed?: Seed;
  machine?: MachineOptions;
  memory?: SimMemoryOptions;
}

export interface RunOptions {
  /** Called after every kdamond wake-up with the current time; return true to stop early. */
  onProgress?: (nowUs: number) => boolean | void;
}

/**
 * A simulated machine with DAMON: one shared memory, a task table, any number of contexts
 * and their kdamonds, all driven by one virtual clock in microseconds.
 */
export class Simulation {
  readonly mem: SimMemory;
  readonly machine: Machine;
  readonly seed: Seed;
  /** Accessed bits of physical memory, checked by paddr contexts. */
  readonly physical: AddressSpace;
  readonly #kernelStatics: number;
  readonly #contexts: DamonContext[] = [];
  readonly #actors = new Set<Actor>();
  #contextsCreated = 0;
  #now = 0;
  #running = 0;
  #runningExclusive = false;

  private constructor(mem: SimMemory, options: SimulationOptions) {
    this.mem = mem;
    this.seed = options.seed ?? 0;
    this.machine = new Machine(mem, options.machine);
    this.#kernelStatics = mem.alloc(KERNEL_BYTES);
    this.physical = new AddressSpace(mem);
    this.physical.map(0, this.machine.ramBytes);
  }

  static async create(options: SimulationOptions = {}): Promise<Simulation> {
    return new Simulation(await SimMemory.create(options.memory), options);
  }

  /** Synchronous creation (Node, workers). */
  static createSync(options: SimulationOptions = {}): Simulation {
    return new Simulation(SimMemory.createSync(options.memory), options);
  }

  /** Virtual time in microseconds. */
  get now(): number {
    return this.#now;
  }

  get contexts(): readonly DamonContext[] {
    return this.#contexts;
  }

  /** Number of kdamonds running (the kernel's nr_running_ctxs). */
  get nrRunning(): number {
    return this.#running;
  }

  createContext(options: ContextOptions = {}): DamonContext {
    const ctx = new DamonContext(this, this.#contextsCreated++, this.#kernelStatics, options);
    this.#contexts.push(ctx);
    return ctx;
  }

  /** Removes a stopped context. */
  removeContext(ctx: DamonContext): void {
    if (ctx.running) throw new DamonError("EBUSY", "cannot remove a running context");
    const at = this.#contexts.indexOf(ctx);
    if (at < 0) throw new DamonError("ENOENT", "no such context");
    this.#contexts.splice(at, 1);
  }

  /**
   * damon_start: EBUSY if any kdamond runs (exclusive, as debugfs starts) or an exclusive
   * one runs (sysfs); otherwise one kdamond thread per context, in order, named
   * kdamond.<n> after the running count.
   */
  start(contexts: readonly DamonContext[] = this.#contexts, exclusive = true): void {
    if (exclusive ? this.#running > 0 : this.#runningExclusive) throw new DamonError("EBUSY", "a kdamond is already running");
    if (exclusive && contexts.length) this.#runningExclusive = true;
    for (const ctx of contexts) {
      const thread = this.machine.spawnKernelThread(`kdamond.${this.#running}`);
      this.#running++;
      ctx.startKdamond(thread, this.#now);
    }
  }

  /**
   * damon_stop: stops the contexts in order, failing with EPERM at the first one that is not
   * running (those after it are left alone). Each stops at its next wake-up, which this runs.
   */
  stop(contexts: readonly DamonContext[] = this.#contexts): void {
    for (const ctx of contexts) {
      if (!ctx.running) throw new DamonError("EPERM", "the context is not running");
      ctx.requestStop();
      // kthread_stop waits: let the kdamond reach its loop check now.
      this.#advanceActors(Math.max(this.#now, ctx.nextWakeUs));
      this.#now = Math.max(this.#now, ctx.nextWakeUs);
      ctx.wake();
    }
  }

  addActor(actor: Actor): () => void {
    this.#actors.add(actor);
    return () => this.#actors.delete(actor);
  }

  /** Runs the next kdamond wake-up, if any; returns whether one ran. */
  step(): boolean {
    const next = this.#nextContext();
    if (!next) return false;
    this.#wakeAfterActors(next);
    return true;
  }

  /**
   * Runs every event up to and including `timeUs`, then sets the clock to `timeUs`. While a
   * kdamond runs, actors move only to its wake-ups, so how a run is cut into calls never
   * changes what it does; with none running they are brought to `timeUs`.
   */
  runUntil(timeUs: number, options: RunOptions = {}): void {
    if (this.#runEvents(timeUs, options)) return;
    if (timeUs > this.#now) {
      if (this.#running === 0) this.#advanceActors(timeUs);
      this.#now = timeUs;
    }
  }

  runFor(durationUs: number, options: RunOptions = {}): void {
    this.runUntil(this.#now + durationUs, options);
  }

  /** Runs until no kdamond is left (every target gone, or stopped by a callback) or `limitUs`. */
  runUntilIdle(limitUs = Infinity, options: RunOptions = {}): void {
    this.#runEvents(limitUs, options);
  }

  // Runs kdamond wake-ups due by `limitUs`; returns true if onProgress asked to stop.
  #runEvents(limitUs: number, options: RunOptions): boolean {
    for (;;) {
      const next = this.#nextContext();
      if (!next || next.nextWakeUs > limitUs) return false;
      this.#wakeAfterActors(next);
      if (options.onProgress?.(this.#now)) return true;
    }
  }

  /** @internal Called by a kdamond as it exits. */
  kdamondExited(_ctx: DamonContext, thread: Task): void {
    this.#running--;
    if (this.#running === 0) this.#runningExclusive = false;
    if (thread.alive) this.machine.exit(thread.pid);
  }

  // Brings the actors to the context's wake-up, then runs it, unless an actor stopped the
  // context meanwhile (sim.stop runs that wake-up itself).
  #wakeAfterActors(ctx: DamonContext): void {
    const at = ctx.nextWakeUs;
    this.#advanceActors(at);
    this.#now = Math.max(this.#now, at);
    if (ctx.running && ctx.nextWakeUs === at) ctx.wake();
  }

  #nextContext(): DamonContext | undefined {
    let best: DamonContext | undefined;
    for (const ctx of this.#contexts) {
      if (ctx.running && (!best || ctx.nextWakeUs < best.nextWakeUs)) best = ctx;
    }
    return best;
  }

  #advanceActors(timeUs: number): void {
    for (const actor of this.#actors) actor.advance(timeUs);
  }
}
