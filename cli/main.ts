/**
 * The operator's CLI, `npx ciba <noun> <verb> …`: one file per noun under cli/commands/, this file
 * only finds the command and runs it.
 *
 * Target: --local (default: the table of `npm start`) or --table <name> [--region R] for a deployed
 * stack, with your usual AWS credentials. --json prints machine-readable output.
 */
import { OAuthError } from '../lambdas/core/errors.js';
import { parseCommandLine } from './arguments.js';
import { UsageError, type Command, type CommandContext, type Commands } from './command.js';
import { clients } from './commands/clients.js';
import { deadLetters } from './commands/dead-letters.js';
import { demo } from './commands/demo.js';
import { devices } from './commands/devices.js';
import { evidence } from './commands/evidence.js';
import { keys } from './commands/keys.js';
import { requests } from './commands/requests.js';
import { users } from './commands/users.js';
import { resolveTarget } from './options.js';
import { consoleOutput } from './output.js';
import { openRepositories, type CliRepositories } from './repositories.js';

const NOUNS: Readonly<Record<string, Commands>> = {
  clients,
  users,
  devices,
  evidence,
  requests,
  'dead-letters': deadLetters,
  keys,
};

/** `ciba demo` has no verb. */
const VERBLESS: Readonly<Record<string, Command>> = { demo };

/** `  ciba <noun> <usage>`, continuation lines under the first option. */
function usageLine(noun: string, verb: string | undefined, command: Command): string {
  const head = `  ciba ${noun} ${verb === undefined ? '' : `${verb} `}`;
  return `  ciba ${noun} ${command.usage.replace(/\n/g, `\n${' '.repeat(head.length)}`)}`;
}

const USAGE = [
  'usage:',
  ...Object.entries(NOUNS).flatMap(([noun, verbs]) => Object.entries(verbs).map(([verb, command]) => usageLine(noun, verb, command))),
  ...Object.entries(VERBLESS).map(([noun, command]) => usageLine(noun, undefined, command)),
  'options: --local (default) | --table <name> [--region R] [--endpoint URL], --json',
  '(an argument that starts with "-" may follow "--": ciba requests show -- -bXYZ…)',
].join('\n');

function findCommand(positionals: readonly string[]): { command: Command; args: readonly string[] } | undefined {
  const [noun, verb] = positionals;
  if (noun === undefined) return undefined;
  const verbless = VERBLESS[noun];
  if (verbless) return { command: verbless, args: positionals.slice(1) };
  const command = verb === undefined ? undefined : NOUNS[noun]?.[verb];
  return command ? { command, args: positionals.slice(2) } : undefined;
}

async function main(): Promise<void> {
  const { flags, positionals } = parseCommandLine(process.argv.slice(2));
  if (flags.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  const found = findCommand(positionals);
  if (!found || found.args.length < found.command.requiredArguments) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  let opened: CliRepositories | undefined;
  const target = resolveTarget(flags);
  const context: CommandContext = {
    flags,
    args: found.args,
    target,
    output: consoleOutput(flags.json === true),
    repositories: () => (opened ??= openRepositories(target)),
  };
  try {
    await found.command.run(context);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`ciba: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } finally {
    opened?.close();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof OAuthError ? `${error.error}: ${error.description}` : error instanceof Error ? error.message : String(error);
  console.error(`ciba: ${message}`);
  process.exitCode = 1;
});
