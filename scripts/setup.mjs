#!/usr/bin/env node
// Makes sure the tools the embedded local stack needs are on this machine, installing them where
// we can (Debian/Ubuntu as root), and otherwise saying exactly what to install.
// Runs before `npm start` and `npm test`; it is quick when everything is present.
import { spawnSync } from 'node:child_process';

const quiet = process.argv.includes('--quiet');
const log = (msg) => quiet || console.log(`setup: ${msg}`);

function has(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function aptInstall(packages) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get', ['--version'])) return false;
  log(`installing ${packages.join(' ')} with apt-get (one time)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
  return install.status === 0;
}

const requirements = [
  {
    what: 'Java (for DynamoDB Local)',
    present: () => has('java', ['-version']),
    packages: ['openjdk-17-jre-headless'],
    manual:
      'install Java 11 or newer and put `java` on PATH (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17)',
  },
  {
    // Only the email screenshot test needs it (it skips, saying why, when chromium is absent).
    what: 'Chromium (for the screenshot test of the weekly report email)',
    present: () => has('/usr/bin/chromium', ['--version']),
    packages: ['chromium'],
    manual:
      "install Debian's chromium at /usr/bin/chromium (sudo apt-get install -y chromium); without it the screenshot test is skipped",
    optional: true,
  },
  {
    // Only the board pack tests need it (they read the PDF's text and render its pages; they skip, saying why, without it).
    what: 'poppler-utils (pdftotext and pdftoppm, for the board pack PDF tests)',
    present: () => has('pdftotext', ['-v']) && has('pdftoppm', ['-v']),
    packages: ['poppler-utils'],
    manual:
      'install poppler-utils (sudo apt-get install -y poppler-utils; macOS: brew install poppler); without it the board pack PDF tests are skipped',
    optional: true,
  },
  {
    // Only the e-mail spam-score test needs it (it skips, saying why, when spamassassin is absent).
    what: 'SpamAssassin (for the spam-score test of every e-mail)',
    present: () => has('spamassassin', ['--version']),
    packages: ['spamassassin'],
    manual: 'install SpamAssassin (sudo apt-get install -y spamassassin); without it the spam-score test is skipped',
    optional: true,
  },
];

let failed = false;
for (const req of requirements) {
  if (req.present()) continue;
  if (aptInstall(req.packages) && req.present()) {
    log(`${req.what}: installed`);
    continue;
  }
  console.error(`setup: ${req.what} is missing: ${req.manual}`);
  if (!req.optional) failed = true;
}
process.exit(failed ? 1 : 0);
