// Stopping a local-stack child leaves nothing behind that keeps a finished command waiting.
import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ManagedChild, raceTimeout } from '../../lib/local/processes';

const run = promisify(execFile);
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('ManagedChild.stop', () => {
  it('clears its grace timer once the child has exited', async () => {
    const proc = spawn(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const child = new ManagedChild('s3', proc);
    await child.waitForLine(/^up$/, 30_000);
    const before = timers();
    // A grace period far longer than the test: a timer left running would still be pending below.
    await child.stop(10 * 60_000);
    expect(child.running).toBe(false);
    // Other timers of the worker may end meanwhile (never more than before): stop() leaves none of its own.
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('lets a process that stopped its children exit as soon as its work is done', async () => {
    // The owner stops a child with a 10-minute grace period, then has nothing left to do. Before
    // the fix the pending grace timer kept it alive for those 10 minutes (the execFile timeout
    // below would kill it: exit code null); now it exits at once.
    const entry = resolve('lib/local/processes.ts');
    const script = `import { ManagedChild } from ${JSON.stringify(entry)};
      import { spawn } from 'node:child_process';
      const proc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const child = new ManagedChild('dynamodb', proc);
      await child.stop(600000);
      console.log('stopped');`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 60_000,
    });
    expect(stdout.trim()).toBe('stopped');
  });
});

describe('raceTimeout', () => {
  it('gives the value on time and the fallback on timeout, and clears its timer either way', async () => {
    const before = timers();
    expect(await raceTimeout(Promise.resolve('done'), 60_000, 'late')).toBe('done');
    // Other timers of the worker may end meanwhile (never more than before): stop() leaves none of its own.
    expect(timers()).toBeLessThanOrEqual(before);
    expect(await raceTimeout(new Promise<string>(() => {}), 5, 'late')).toBe('late');
    // Other timers of the worker may end meanwhile (never more than before): stop() leaves none of its own.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
