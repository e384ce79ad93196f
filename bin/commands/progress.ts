// A progress line for long steps: a live counter on a terminal, nothing on a pipe or in CI.
import { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

export function createProgress(label: string, total = 0): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: total ? `${label.padEnd(10)} [{bar}] {percentage}% {value}/{total}` : `${label.padEnd(10)} {value} records`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(total, 0);
  return {
    update: (done, t) => {
      if (t !== undefined) bar.setTotal(t);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
