/** Runs another bench script as a child process: its report on stdout, its progress passed through to stderr. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { delimiter, join } from 'node:path';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(PROJECT_ROOT, 'node_modules', '.bin');
const TSX = join(BIN, 'tsx');

/**
 * The environment for a child: node_modules/.bin first on PATH, as npm scripts have it, so that tsx's
 * `#!/usr/bin/env node` finds the project's Node 22 rather than whatever node the machine has.
 */
export function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}`, ...extra };
}

/** `tsx <script> <args>`; resolves with its standard output, rejects if it fails or outlives `timeoutMs`. */
export function runScript(script: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(PROJECT_ROOT, script), ...args], { cwd: PROJECT_ROOT, env: childEnvironment(), stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${script} took longer than ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`${script} ${args.join(' ')} exited with ${code}`));
    });
  });
}
