/**
 * What every command of `npx ciba` is: its usage line and what it does with its context.
 */
import type { Flags } from './arguments.js';
import type { Target } from './options.js';
import type { Output } from './output.js';
import type { CliRepositories } from './repositories.js';

export interface CommandContext {
  readonly flags: Flags;
  /** The arguments after the noun and the verb. */
  readonly args: readonly string[];
  readonly target: Target;
  readonly output: Output;
  /** The table's repositories, opened on first use (commands that only speak HTTP never open them). */
  repositories(): CliRepositories;
}

export interface Command {
  /** After `ciba <noun> `: the verb (if the noun has verbs), its arguments and options; later lines continue the options. */
  readonly usage: string;
  /** How many arguments the verb needs at least (the dispatcher prints the usage line otherwise). */
  readonly requiredArguments: number;
  run(context: CommandContext): Promise<void>;
}

/** A noun's verbs. */
export type Commands = Readonly<Record<string, Command>>;

/** A mistake in the command line: the dispatcher prints the message and the usage, and exits with 2. */
export class UsageError extends Error {}
