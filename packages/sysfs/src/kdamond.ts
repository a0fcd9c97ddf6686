// kdamonds/<K>: state, pid, contexts/ and the commands `state` accepts (mm/damon/sysfs.c).
import { DamonError, type DamonContext, type Simulation } from "@damon-sim/core";
import { Errno, sysfsStreq, type DirNode } from "@damon-sim/dbgfs";
import { attr, kdir, line, NumberedDirs, type Numbered } from "./attr.js";
import { goalsOf, installPlan, planContext } from "./build.js";
import { SysfsContext } from "./context.js";
import type { SysfsScheme } from "./schemes.js";
import { nrFile } from "./values.js";
import type { SysfsBehaviour } from "./versions.js";

/** The kdamond callbacks a sysfs request is handled from. */
type Callback = "sampling" | "aggregation";

export interface KdamondHooks {
  sim: Simulation;
  behaviour: SysfsBehaviour;
  /** Told about each DAMON context a kdamond builds at 'on'. */
  contextStarted(ctx: DamonContext): void;
}

/** One kdamonds/<K> directory and the DAMON context it last ran. */
export class SysfsKdamond implements Numbered {
  readonly dir: DirNode;
  readonly contexts: NumberedDirs<SysfsContext>;
  /** The context built at the last 'on'; kept after it stops, freed at the next 'on'. */
  damonCtx: DamonContext | null = null;
  readonly #hooks: KdamondHooks;

  constructor(index: number, hooks: KdamondHooks) {
    this.#hooks = hooks;
    const b = hooks.behaviour;
    this.dir = kdir(String(index));
    this.dir.add(attr("state", () => line(this.running ? "on" : "off"), (buf, count) => {
      const cmd = b.stateCommands.find((c) => sysfsStreq(buf, c));
      const ret = cmd === undefined ? -Errno.EINVAL : this.#handle(cmd);
      return ret < 0 ? ret : count;
    }));
    this.dir.add(attr("pid", () => line(this.damonCtx?.kdamond?.pid ?? -1), null));
    const contextsDir = this.dir.add(kdir("contexts"));
    this.contexts = new NumberedDirs(contextsDir, (i) => new SysfsContext(i, b));
    // TODO in the kernel: one context per kdamond.
    contextsDir.add(nrFile("nr_contexts", this.contexts, { max: 1 }));
  }

  get running(): boolean {
    return this.damonCtx?.running ?? false;
  }

  /** kdamond release: the context goes with the directory. */
  release(): void {
    this.#destroyCtx();
  }

  #destroyCtx(): void {
    if (this.damonCtx && !this.damonCtx.running) this.#hooks.sim.removeContext(this.damonCtx);
    this.damonCtx = null;
  }

  // damon_sysfs_handle_cmd.
  #handle(cmd: string): number {
    const b = this.#hooks.behaviour;
    if (cmd === "on") return this.#turnOn();
    if (cmd === "off") return this.#turnOff();
    if (!b.commandsNeedRunning) {
      // 5.18: only update_schemes_stats, answered from the last context, running or not.
      if (!this.damonCtx) return -Errno.EINVAL;
      this.#updateStats();
      return 0;
    }
    // From 5.19 the command is handed to the kdamond's callbacks; the writer waits for them:
    // before 6.9 the next aggregation's (while active), from 6.9 the next sample's too;
    // 'commit' always waits for an aggregation.
    if (!this.running) return -Errno.EINVAL;
    const ctx = this.damonCtx!;
    const sysCtx = this.contexts.items[0];
    const callbacks: Callback[] = b.commandsEverySample ? ["sampling", "aggregation"] : ["aggregation"];
    // A command on copies or clears also runs from after_wmarks_check while the kdamond is
    // deactivated; here, once the wait gives up.
    const simple = (fn: () => void) => {
      const handle = () => {
        if (sysCtx) fn();
        return "done" as const;
      };
      this.#request(ctx, callbacks, handle, handle);
      return 0;
    };
    switch (cmd) {
      case "update_schemes_stats":
        return simple(() => this.#updateStats());
      case "update_schemes_effective_quotas":
        return simple(() => this.#forEachScheme((s, d) => (s.quotas.effectiveBytes = BigInt(Math.floor(d.esz)))));
      case "clear_schemes_tried_regions":
        return simple(() => this.#forEachScheme((s) => s.clearTriedRegions()));
      case "update_schemes_tried_regions":
      case "update_schemes_tried_bytes":
        if (sysCtx) this.#updateTriedRegions(ctx, sysCtx, cmd === "update_schemes_tried_regions", callbacks);
        return 0;
      case "commit": {
        const commit = () => (this.#commit(ctx) < 0 ? "stop" : "done");
        // Before 6.9 a deactivated kdamond commits from after_wmarks_check; 6.9 waits for an
        // aggregation (`if (!after_aggregation) goto out;`): the request stays pending.
        const fallback = b.commandsEverySample ? undefined : () => void (commit() === "stop" && this.#hooks.sim.stop([ctx]));
        this.#request(ctx, ["aggregation"], commit, fallback);
        return 0;
      }
      case "commit_schemes_quota_goals": {
        // damos_sysfs_set_quota_scores: each scheme's goals are made anew from the files.
        const commitGoals = () => {
          if (!sysCtx) return "stop" as const;
          this.#forEachScheme((sys, damos) => (damos.goals = goalsOf(sys)));
          return "done" as const;
        };
        // No aggregation guard: a deactivated kdamond commits them from after_wmarks_check.
        this.#request(ctx, callbacks, commitGoals, () => void (commitGoals() === "stop" && this.#hooks.sim.stop([ctx])));
        return 0;
      }
    }
    return -Errno.EINVAL;
  }

  // damon_sysfs_turn_damon_on.
  #turnOn(): number {
    const { sim, behaviour } = this.#hooks;
    if (this.running) return -Errno.EBUSY;
    if (this.contexts.nr !== 1) return -Errno.EINVAL;
    this.#destroyCtx();
    const plan = planContext(this.contexts.items[0], behaviour, sim.machine);
    if (typeof plan === "number") return plan;
    const ctx = sim.createContext({ behaviour: behaviour.core, attrs: plan.attrs, fixedRegions: plan.ops === "fvaddr" });
    // damon_sysfs_before_terminate: virtual address targets are dropped when monitoring ends.
    ctx.onTerminate(() => {
      if (ctx.ops === "vaddr" && ctx.targets.length) ctx.clearTargets();
    });
    installPlan(ctx, plan, false, behaviour);
    try {
      sim.start([ctx], false);
    } catch (e) {
      sim.removeContext(ctx);
      if (e instanceof DamonError) return -Errno[e.code as keyof typeof Errno];
      throw e;
    }
    this.damonCtx = ctx;
    this.#hooks.contextStarted(ctx);
    return 0;
  }

  // damon_sysfs_turn_damon_off: EINVAL without a context, EPERM (damon_stop) if it stopped.
  #turnOff(): number {
    const ctx = this.damonCtx;
    if (!ctx) return -Errno.EINVAL;
    if (!ctx.running) return -Errno.EPERM;
    this.#hooks.sim.stop([ctx]);
    return 0;
  }

  // damon_sysfs_commit_input, from the after-aggregation callback. An error stops the kdamond.
  #commit(ctx: DamonContext): number {
    if (this.contexts.nr !== 1) return -Errno.EINVAL;
    const running = ctx.targets.map((t) => t.id);
    const plan = planContext(this.contexts.items[0], this.#hooks.behaviour, this.#hooks.sim.machine, running);
    if (typeof plan === "number") return plan;
    installPlan(ctx, plan, true, this.#hooks.behaviour);
    return 0;
  }

  #forEachScheme(fn: (sys: SysfsScheme, damos: DamonContext["schemes"][number]) => void): void {
    const sysSchemes = this.contexts.items[0]?.schemes.items ?? [];
    const schemes = this.damonCtx?.schemes ?? [];
    // The kernel walks the context's schemes; a shorter sysfs list ends the walk.
    for (let i = 0; i < schemes.length && i < sysSchemes.length; i++) fn(sysSchemes[i], schemes[i]);
  }

  #updateStats(): void {
    this.#forEachScheme((sys, damos) => {
      const st = damos.stats;
      sys.stats.nrTried = BigInt(st.nrTried);
      sys.stats.szTried = BigInt(st.szTried);
      sys.stats.nrApplied = BigInt(st.nrApplied);
      sys.stats.szApplied = BigInt(st.szApplied);
      sys.stats.qtExceeds = BigInt(st.qtExceeds);
    });
  }

  /**
   * update_schemes_tried_regions (and _tried_bytes, without the directories). The request
   * callback clears every scheme's tried_regions and starts recording each region a scheme is
   * about to act on (core's before_damos_apply: past its pattern, quota and score checks); the
   * sampling after a scheme tried some marks it finished; a later request callback ends the
   * update once every scheme has finished. Directory names count on across schemes in the
   * order the kdamond tries them (the kernel's damon_sysfs_schemes_region_idx).
   */
  #updateTriedRegions(ctx: DamonContext, sysCtx: SysfsContext, withDirs: boolean, callbacks: Callback[]): void {
    const sim = this.#hooks.sim;
    const oneSnapshot = this.#hooks.behaviour.triedRegionsOneSnapshot;
    const started = new Set<number>();
    const finished = new Set<number>();
    // 6.7+: a scheme that tried nothing is finished once two of its apply intervals passed.
    const timeouts: number[] = [];
    const markFinished = () => {
      for (const i of started) finished.add(i);
      timeouts.forEach((at, i) => void (sim.now > at && finished.add(i)));
      return false;
    };
    let index = 0;
    let offApply: (() => void) | null = null;
    let offSampling: (() => void) | null = null;
    // damon_sysfs_upd_schemes_regions_stop, from the callback itself: later applications of
    // the same kdamond pass are not recorded.
    const stop = () => {
      (offApply as (() => void) | null)?.();
      (offSampling as (() => void) | null)?.();
      offSampling = null;
      return "done" as const;
    };
    const applyIntervalOf = (s: DamonContext["schemes"][number]) => s.applyIntervalUs || ctx.attrs.aggrUs;
    // The kernel waits as long as the update takes: up to two apply intervals past the start.
    const longestTimeout = Math.max(0, ...ctx.schemes.map((s) => 2 * applyIntervalOf(s)));
    this.#request(ctx, callbacks, () => {
      if (!offApply) {
        this.#forEachScheme((s) => s.clearTriedRegions());
        if (oneSnapshot) ctx.schemes.forEach((s, i) => (timeouts[i] = sim.now + 2 * applyIntervalOf(s)));
        offApply = ctx.onBeforeDamosApply((t, start, end, scheme) => {
          const i = ctx.schemes.indexOf(scheme);
          const sys = sysCtx.schemes.items[i];
          if (!sys || finished.has(i)) return;
          started.add(i);
          const r = ctx.regionsOf(t).find((x) => x.start === start);
          const region = { start: BigInt(start), end: BigInt(end), nrAccesses: r?.nrAccesses ?? 0, age: r?.age ?? 0 };
          sys.addTriedRegion(region, withDirs ? index++ : null);
        });
        // Before 6.9 an after_sampling callback of its own marks them (damon_sysfs_after_sampling).
        if (oneSnapshot && !this.#hooks.behaviour.commandsEverySample) offSampling = ctx.onAfterSampling(markFinished);
        return "again";
      }
      // Before 6.7 the next request callback ends the update, whatever was tried.
      if (!oneSnapshot) return stop();
      if (this.#hooks.behaviour.commandsEverySample) markFinished(); // damos_sysfs_mark_finished_regions_updates
      return sysCtx.schemes.items.every((_, i) => i >= ctx.schemes.length || finished.has(i)) ? stop() : "again";
    }, () => {}, oneSnapshot ? longestTimeout : 0); // deactivated: the sim gives the update up, nothing more
    stop();
  }

  /**
   * damon_sysfs_cmd_request_callback: `handle` runs from the kdamond's next callbacks of the
   * given kinds until it says "done" ("stop" also ends the kdamond, as a callback's error
   * does), the simulation running meanwhile as the writer sleeps. If the wait gives up (a
   * deactivated kdamond), `fallback` runs as after_wmarks_check would; without one the request
   * stays pending and runs at the kdamond's first such callback after it reactivates, as the
   * kernel's still-sleeping writer's request would.
   */
  #request(ctx: DamonContext, callbacks: Callback[], handle: () => "done" | "again" | "stop", fallback?: () => void, extraWaitUs = 0): void {
    let done = false;
    const run = () => {
      if (done) return false;
      const result = handle();
      if (result === "again") return false;
      done = true;
      for (const off of offs) off();
      return result === "stop";
    };
    const offs = callbacks.map((kind) => (kind === "sampling" ? ctx.onAfterSampling(run) : ctx.onAfterAggregation(run)));
    this.#runUntil(ctx, () => done, extraWaitUs);
    if (done) return;
    if (fallback || !ctx.running) {
      done = true;
      for (const off of offs) off();
      if (ctx.running) fallback?.();
    }
  }

  /**
   * Runs the simulation until `done()`, as the writer sleeps in the kernel until the kdamond
   * has handled its request. Gives up when the kdamond ends, or after two aggregation
   * intervals plus the longest watermark check interval (plus `extraWaitUs`, how long the
   * request itself may take once started) of virtual time.
   */
  #runUntil(ctx: DamonContext, done: () => boolean, extraWaitUs = 0): void {
    const sim = this.#hooks.sim;
    const waitUs = Math.max(...ctx.schemes.map((s) => s.wmarks.intervalUs), 0);
    const deadline = sim.now + 2 * Math.max(ctx.attrs.aggrUs, ctx.attrs.sampleUs, 1) + waitUs + extraWaitUs;
    while (!done() && ctx.running && sim.now <= deadline) {
      if (!sim.step()) break;
    }
  }
}
