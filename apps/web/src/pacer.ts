/** Speed meaning "as fast as possible". */
export const MAX_SPEED = 0;

// Behind the wall clock by more than this, pacing starts over instead of catching up in a burst.
const MAX_LAG_MS = 250;
// As fast as possible still hands the event loop a turn this often, so control messages get in.
const YIELD_EVERY_MS = 12;

/** Clock and scheduling, injectable for tests. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Lets queued events run (a macrotask turn without timer clamping). */
  yield(): Promise<void>;
}

/**
 * Paces a simulation that advances in chunks: virtual time at `speed`× the wall clock (or
 * as fast as possible), pause, one chunk at a time, stop. `gate` sits between chunks.
 */
export class Pacer {
  #speed: number;
  #paused = false;
  #credits = 0;
  #stopped = false;
  #anchorWall = 0;
  #anchorVirtualUs = Number.NaN;
  #lastYield = 0;
  #waitedMs = 0;
  #wake: (() => void) | null = null;
  readonly #clock: PacerClock;

  constructor(speed: number, clock: PacerClock) {
    this.#speed = speed;
    this.#clock = clock;
    this.#lastYield = clock.now();
  }

  get paused(): boolean {
    return this.#paused;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Wall time spent waiting on purpose (paused, or ahead of the wall clock), ms. Not the
   * event-loop turns at full speed: what runs in them (control messages, the engine's GC
   * tasks) is part of simulating.
   */
  get waitedMs(): number {
    return this.#waitedMs;
  }

  setSpeed(speed: number): void {
    this.#speed = speed;
    this.#anchorVirtualUs = Number.NaN;
    this.#poke();
  }

  pause(): void {
    this.#paused = true;
    this.#poke();
  }

  resume(): void {
    this.#paused = false;
    this.#credits = 0;
    this.#anchorVirtualUs = Number.NaN;
    this.#poke();
  }

  /** Paused: run one more chunk. Running: pause. */
  step(): void {
    if (this.#paused) this.#credits++;
    else this.#paused = true;
    this.#poke();
  }

  stop(): void {
    this.#stopped = true;
    this.#poke();
  }

  /**
   * Between chunks, at virtual time `nowUs`: waits as pacing or pausing requires, calling
   * `onIdle` before any wait (to publish what is done). Resolves true when stopped.
   */
  async gate(nowUs: number, onIdle: () => void): Promise<boolean> {
    for (;;) {
      if (this.#stopped) return true;
      if (this.#paused) {
        if (this.#credits > 0) {
          this.#credits--;
          return false;
        }
        onIdle();
        const before = this.#clock.now();
        await this.#waitForPoke();
        this.#waitedMs += this.#clock.now() - before;
        continue;
      }
      if (this.#speed === MAX_SPEED) {
        if (this.#clock.now() - this.#lastYield >= YIELD_EVERY_MS) {
          await this.#clock.yield();
          this.#lastYield = this.#clock.now();
          continue; // a control message may have come in
        }
        return false;
      }
      const wall = this.#clock.now();
      if (Number.isNaN(this.#anchorVirtualUs)) {
        this.#anchorVirtualUs = nowUs;
        this.#anchorWall = wall;
      }
      const due = this.#anchorWall + (nowUs - this.#anchorVirtualUs) / 1000 / this.#speed;
      if (due <= wall) {
        if (wall - due > MAX_LAG_MS) this.#anchorVirtualUs = Number.NaN;
        return false;
      }
      onIdle();
      await Promise.race([this.#clock.sleep(due - wall), this.#waitForPoke()]);
      this.#waitedMs += this.#clock.now() - wall;
    }
  }

  #waitForPoke(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** The real clock: performance.now, setTimeout, and a MessageChannel turn (no 4 ms clamp). */
export function realClock(): PacerClock {
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return {
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    yield: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      }),
  };
}
