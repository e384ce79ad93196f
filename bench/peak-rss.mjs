// Preloaded into a measured command (`node --import ./bench/peak-rss.mjs bin/pulse-cli.mjs ...`):
// writes the process's peak RSS to the file named by PULSE_BENCH_RSS_FILE when it exits.
import { writeFileSync } from 'node:fs';

const file = process.env.PULSE_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(Math.round(process.resourceUsage().maxRSS / 1024))));
