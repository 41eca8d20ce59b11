// Runs `npm ci` unless node_modules was installed from exactly this package-lock.json (Maven runs this on
// every build; a fresh install costs ~10 s, the check a few milliseconds).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const lock = readFileSync('package-lock.json');
const digest = createHash('sha256').update(lock).digest('hex');
const stamp = 'node_modules/.ferry-lock-sha256';

if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest) {
  console.log('dashboard: node_modules matches package-lock.json, npm ci skipped');
} else {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  writeFileSync(stamp, digest + '\n');
}
