// Reaper for the embedded local stack (see processes.ts). Reads `+<pid>` / `-<pid>` lines on stdin;
// when stdin closes (its parent exited, even by SIGKILL) or on SIGTERM, it terminates every pid
// still registered (SIGTERM, then SIGKILL after 3 s) and exits. Ignores SIGINT and SIGHUP so a
// Ctrl-C in the terminal cannot remove it before the emulators are gone.
const pids = new Set();
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
    const pid = Number(line.slice(1));
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') pids.add(pid);
    else if (line[0] === '-') pids.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
