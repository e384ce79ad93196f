// Child processes of the local stack: log capture (a tail for error messages), readiness lines,
// graceful stop, and three layers against orphans:
//   1. stop() sends SIGTERM, then SIGKILL after a grace period, and waits for the exit;
//   2. hooks on this process's exit, SIGINT and SIGTERM signal every live emulator;
//   3. a tiny reaper process (reaper.mjs) holds the pids and kills them when this process dies
//      without running its hooks (SIGKILL, a crashed test worker); it also removes the stack's
//      temporary directory then.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EMULATOR_LABEL, LocalStackError, type EmulatorName } from './errors';

export type ChildName = EmulatorName | 'reaper';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (ENOENT, EACCES ...). */
  spawnError?: Error;
}

const TAIL_LINES = 40;

export class ManagedChild {
  readonly name: ChildName;
  readonly proc: ChildProcess;
  /** Resolves once the process is gone and its output streams are closed. */
  readonly closed: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly lines: string[] = [];
  private readonly lineWaiters = new Set<(line: string) => void>();

  constructor(name: ChildName, proc: ChildProcess, log?: (msg: string) => void) {
    this.name = name;
    this.proc = proc;
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) continue;
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.onLine(buf.slice(0, nl).replace(/\r$/, ''), log);
          buf = buf.slice(nl + 1);
        }
      });
      stream.on('end', () => {
        if (buf) this.onLine(buf, log);
        buf = '';
      });
    }
    // A closed stdin pipe is how the Node children notice that we are gone; never let a write to
    // a dead child crash this process.
    proc.stdin?.on('error', () => {});
    let resolveClosed!: (info: ExitInfo) => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    proc.on('error', (err) => {
      // Spawn failures emit 'error' and no 'exit'; a failed kill() also lands here (ignored).
      if (proc.pid === undefined && !this.exitInfo) {
        this.exitInfo = { code: null, signal: null, spawnError: err };
        liveChildren.delete(this);
        resolveClosed(this.exitInfo);
      }
    });
    proc.once('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      liveChildren.delete(this);
      reaperFor.get(this)?.forget(this);
    });
    proc.once('close', (code, signal) => resolveClosed(this.exitInfo ?? { code, signal }));
    if (proc.pid !== undefined) {
      liveChildren.add(this);
      installHooks();
    }
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.pid !== undefined && this.exitInfo === undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  tail(lines = TAIL_LINES): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** Resolves with the first line matching `re`; rejects if the process ends first or on timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const seen = this.lines.map((l) => l.match(re)).find((m) => m);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.lineWaiters.delete(onLine);
      };
      const onLine = (line: string): void => {
        const m = line.match(re);
        if (m) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(this.timeoutError(timeoutMs));
      }, timeoutMs);
      this.lineWaiters.add(onLine);
      void this.closed.then(async () => {
        if (!this.lineWaiters.has(onLine)) return;
        done();
        reject(this.exitedError());
      });
    });
  }

  /** An EMULATOR_EXITED error describing how the process ended, with its log tail. */
  exitedError(): LocalStackError {
    const info = this.exitInfo;
    const how = info?.spawnError
      ? `could not be started (${info.spawnError.message})`
      : info?.signal
        ? `was killed by ${info.signal}`
        : `exited with code ${String(info?.code)}`;
    return new LocalStackError('EMULATOR_EXITED', `${label(this.name)} ${how} before it answered`, {
      ...(this.name !== 'reaper' ? { emulator: this.name } : {}),
      logTail: this.tail(),
      cause: info?.spawnError,
    });
  }

  timeoutError(timeoutMs: number, cause?: unknown): LocalStackError {
    const last =
      cause instanceof Error
        ? ` (last attempt: ${cause.name === 'Error' ? '' : `${cause.name}: `}${cause.message})`
        : '';
    return new LocalStackError(
      'EMULATOR_TIMEOUT',
      `${label(this.name)} did not answer within ${Math.round(timeoutMs / 1000)} s${last}`,
      {
        ...(this.name !== 'reaper' ? { emulator: this.name } : {}),
        logTail: this.tail(),
        cause,
      },
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.proc.pid === undefined) return;
    if (this.running) this.signal('SIGTERM');
    const exited = await raceTimeout(
      this.closed.then(() => true),
      graceMs,
      false,
    );
    if (!exited && this.running) {
      this.signal('SIGKILL');
      await raceTimeout(this.closed, 5_000, undefined);
    }
    // Our stdio pipes must not keep the event loop alive.
    this.proc.stdin?.destroy();
    this.proc.stdout?.destroy();
    this.proc.stderr?.destroy();
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      this.proc.kill(sig);
    } catch {
      // already gone
    }
  }

  private onLine(line: string, log?: (msg: string) => void): void {
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES * 2) this.lines.splice(0, this.lines.length - TAIL_LINES);
    log?.(`[${this.name}] ${line}`);
    for (const waiter of [...this.lineWaiters]) waiter(line);
  }
}

function label(name: ChildName): string {
  return name === 'reaper' ? 'The local-stack reaper' : EMULATOR_LABEL[name];
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or `onTimeout` once `ms` have passed, whichever comes first. Unlike a race with
 * delay(), the timer is cleared as soon as the promise settles: a pending timer would keep the
 * event loop (and so a finished command) alive for the rest of the grace period.
 */
export function raceTimeout<T, U>(promise: Promise<T>, ms: number, onTimeout: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<U>((resolve) => (timer = setTimeout(() => resolve(onTimeout), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the reaper ----------------------------------------------------------------------------

const reaperFor = new WeakMap<ManagedChild, Reaper>();

/**
 * A Node child that receives `+pid` / `-pid` lines on stdin. When its stdin closes (we exited,
 * however that happened) it sends SIGTERM to every pid still registered, then SIGKILL after 3 s.
 */
export class Reaper {
  readonly child: ManagedChild;

  private constructor(child: ManagedChild) {
    this.child = child;
  }

  static start(log?: (msg: string) => void): Reaper {
    const script = fileURLToPath(new URL('./reaper.mjs', import.meta.url));
    const proc = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv() });
    const child = new ManagedChild('reaper', proc, log);
    // The reaper must never keep this process alive on its own.
    proc.unref();
    (proc.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (proc.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    return new Reaper(child);
  }

  watch(target: ManagedChild): void {
    if (target.pid === undefined || !this.child.running) return;
    reaperFor.set(target, this);
    this.child.proc.stdin?.write(`+${target.pid}\n`);
  }

  /** A temporary directory to remove once the watched processes are gone (if we cannot). */
  removeLater(dir: string): void {
    if (!/[\r\n]/.test(dir) && this.child.running) this.child.proc.stdin?.write(`dir ${dir}\n`);
  }

  forget(target: ManagedChild): void {
    reaperFor.delete(target);
    if (target.pid !== undefined && this.child.running) this.child.proc.stdin?.write(`-${target.pid}\n`);
  }

  /** Ends the reaper (nothing left to watch) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.running) this.child.proc.stdin?.end();
    const ended = await raceTimeout(
      this.child.closed.then(() => true),
      2_000,
      false,
    );
    if (!ended) await this.child.stop(1_000);
  }
}

/** The environment for Node children: no loaders or options inherited from a test runner or tsx. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.SMTP_TRANSPORT; // aws-ses-v2-local would forward every message to a real SMTP server
  return env;
}

// ---- hooks on this process -----------------------------------------------------------------

const liveChildren = new Set<ManagedChild>();
let hooksInstalled = false;

/**
 * The emulators, not the reaper: a reaper told to reap removes the stack's temporary directory as
 * soon as the emulators are gone, which raced the stop() that saves the DynamoDB working copy from
 * that directory (a Ctrl-C on `pulse alerts serve` could lose the session's writes). The reaper
 * ignores SIGINT and reaps by itself when this process is gone (its stdin closes).
 */
function signalEmulators(sig: NodeJS.Signals): void {
  for (const child of liveChildren) if (child.name !== 'reaper') child.signal(sig);
}

function onProcessExit(): void {
  signalEmulators('SIGTERM');
}

function onSignal(sig: NodeJS.Signals): void {
  signalEmulators('SIGTERM');
  // Keep the default behaviour (terminate) unless someone else also handles the signal.
  if (process.listenerCount(sig) === 1) {
    uninstallHooks();
    process.kill(process.pid, sig);
  }
}

const onSigint = (): void => onSignal('SIGINT');
const onSigterm = (): void => onSignal('SIGTERM');

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', onProcessExit);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off('exit', onProcessExit);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
}

/** Called after a stack stopped: hooks stay only while some child is alive. */
export function releaseHooksIfIdle(): void {
  if (liveChildren.size === 0) uninstallHooks();
}
