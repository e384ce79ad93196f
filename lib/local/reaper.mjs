// Reaper for the embedded local stack (see processes.ts). Reads `+<pid>` / `-<pid>` lines and
// `dir <path>` lines (temporary directories) on stdin; when stdin closes (its parent exited, even
// by SIGKILL) or on SIGTERM, it terminates every pid still registered (SIGTERM, then SIGKILL after
// 3 s), removes the directories, and exits. Ignores SIGINT and SIGHUP so a Ctrl-C in the terminal
// cannot end it before the emulators are gone.
import { rmSync } from 'node:fs';

const pids = new Set();
const dirs = new Set();
let buffer = '';
let reaping = false;

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function reap() {
  if (reaping) return;
  reaping = true;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  }
  const deadline = Date.now() + 3000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids) {
    if (!alive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  // Emulators that ignored SIGTERM get a moment to die from SIGKILL before their files go.
  const killDeadline = Date.now() + 2000;
  while ([...pids].some(alive) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
  process.exit(0);
}

process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', reap);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    if (line.startsWith('dir ')) {
      dirs.add(line.slice(4));
      continue;
    }
    const pid = Number(line.slice(1));
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') pids.add(pid);
    else if (line[0] === '-') pids.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
