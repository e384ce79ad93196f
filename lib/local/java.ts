// DynamoDB Local is a Java program: check for a usable `java` before spawning it, so a missing
// runtime is one clear sentence instead of an ENOENT from deep inside a child process.
import { execFile } from 'node:child_process';
import { LocalStackError } from './errors';

export const JAVA_INSTALL_HINT =
  'Install Java 11 or newer: on Debian/Ubuntu `sudo apt-get install -y openjdk-17-jre-headless`; ' +
  'elsewhere put any Java 11+ runtime on PATH (check with `java -version`).';

export interface JavaInfo {
  /** As printed by `java -version`, e.g. `17.0.15`. */
  version: string;
  major: number;
}

/** Runs `java -version` (with the PATH of this process, as the DynamoDB Local spawn does). */
export function checkJava(timeoutMs = 15_000): Promise<JavaInfo> {
  return new Promise((resolve, reject) => {
    execFile('java', ['-version'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new LocalStackError(
            'JAVA_MISSING',
            `DynamoDB Local needs Java, and \`java\` is not on PATH. ${JAVA_INSTALL_HINT}`,
            { cause: err },
          ),
        );
        return;
      }
      const out = `${stderr}\n${stdout}`;
      if (err) {
        reject(
          new LocalStackError(
            'JAVA_UNUSABLE',
            `\`java -version\` failed (${err.message.split('\n')[0]}). ${JAVA_INSTALL_HINT}`,
            { cause: err },
          ),
        );
        return;
      }
      const info = parseJavaVersion(out);
      if (!info) {
        reject(
          new LocalStackError(
            'JAVA_UNUSABLE',
            `Could not read the Java version from \`java -version\`:\n${out.trim()}\n${JAVA_INSTALL_HINT}`,
          ),
        );
        return;
      }
      if (info.major < 11) {
        reject(
          new LocalStackError(
            'JAVA_UNUSABLE',
            `DynamoDB Local needs Java 11 or newer; \`java\` on PATH is ${info.version}. ${JAVA_INSTALL_HINT}`,
          ),
        );
        return;
      }
      resolve(info);
    });
  });
}

/** `openjdk version "17.0.15" ...` -> 17; `java version "1.8.0_292"` -> 8. */
export function parseJavaVersion(output: string): JavaInfo | undefined {
  const m = output.match(/version "([^"]+)"/);
  if (!m?.[1]) return undefined;
  const version = m[1];
  const parts = version.split(/[._-]/).map(Number);
  const major = parts[0] === 1 ? parts[1] : parts[0];
  return major === undefined || !Number.isFinite(major) ? undefined : { version, major };
}
