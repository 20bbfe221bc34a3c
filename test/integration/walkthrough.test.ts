/**
 * The curl walkthrough `npm start` prints (and the README shows), run as printed against the local
 * server: register, bc-authorize, poll -> pending, approve, poll -> tokens, verify against /jwks.
 * The only change is the one a person makes by hand: step 4's approval runs (the printed unattended
 * command) and the script waits out the polling interval before step 5.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { walkthrough } from '../../local/walkthrough.js';
import { TEST_INITIAL_ACCESS_TOKEN } from '../support/constants.js';
import { useLocalServer } from '../support/server.js';

const run = promisify(execFile);
const served = useLocalServer();
let issuer: string;
beforeAll(() => {
  issuer = served.issuer;
});

/** The printed commands, with step 4 done the unattended way it prints. */
function script(text: string): string {
  const lines: string[] = ['set -euo pipefail'];
  for (const raw of text.split('\n').slice(1)) {
    const line = raw.replace(/^ {2}/, '');
    const unattended = /\(Unattended instead: (.+)\)$/.exec(line);
    if (unattended?.[1]) lines.push(unattended[1], 'sleep 5.5');
    else if (!line.trimStart().startsWith('#')) lines.push(line);
  }
  return lines.join('\n');
}

describe('the printed curl walkthrough', () => {
  it('runs as printed and ends with an ID token that verifies against /jwks', { timeout: 60_000 }, async () => {
    const text = walkthrough(issuer, TEST_INITIAL_ACCESS_TOKEN);
    expect(text).toContain('(Unattended instead: ');
    const { stdout } = await run('bash', ['-c', script(text)], { cwd: process.cwd(), timeout: 55_000 });
    expect(stdout).toMatch(/"auth_req_id":"[\w-]{43}","expires_in":300,"interval":5/);
    expect(stdout).toContain('"error":"authorization_pending"');
    expect(stdout).toContain('"token_type":"Bearer"');
    expect(stdout).toMatch(/ID token verified against http:\/\/localhost:\d+\/jwks/);
    expect(stdout).toContain('"sub": "jane.doe"');
  });
});

describe('the README', () => {
  it('shows the same walkthrough that npm start prints', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile('README.md', 'utf8');
    const printed = walkthrough('http://localhost:3000', '<the initial access token npm start printed>')
      .split('\n')
      .slice(2) // the header line and the blank line after it
      .map((line) => line.replace(/^ {2}/, ''))
      .join('\n')
      .trim();
    expect(readme).toContain(printed);
  });
});

describe("the README's signed-request walkthrough", () => {
  it('runs against the local server and ends with a verified ID token for demo with acr push', { timeout: 90_000 }, async () => {
    const { readFile, mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const readme = await readFile('README.md', 'utf8');
    const block = /<!-- signed-request-walkthrough -->\n```sh\n([\s\S]*?)```\n<!-- \/signed-request-walkthrough -->/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const keyFile = join(await mkdtemp(join(tmpdir(), 'ciba-readme-')), 'client-key.json');
    const commands = (block ?? '')
      .replace('ISSUER=http://localhost:3000', `ISSUER=${issuer}`)
      .replace('IAT=<the initial access token npm start printed>', `IAT=${TEST_INITIAL_ACCESS_TOKEN}`)
      .replaceAll('client-key.json', keyFile);
    const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${commands}`], { cwd: process.cwd(), timeout: 85_000 });
    expect(stdout).toMatch(/"auth_req_id":"[\w-]{43}"/);
    expect(stdout).toMatch(/ID token verified against/);
    expect(stdout).toContain('"sub": "demo"');
    expect(stdout).toContain('"acr": "push"');
  });
});
