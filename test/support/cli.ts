/** Runs one c360 CLI command in-process: what it printed, and the exit it asked for (commander's exitOverride). */
import { Command, CommanderError } from 'commander';

export interface CommandRun {
  readonly out: string;
  readonly err: string;
  readonly exit?: CommanderError;
}

/**
 * Registers a command on a fresh program with `register` (handed a `write`
 * that collects what the command prints), parses `argv` and captures stdout,
 * stderr and the exit of every (sub)command instead of ending the process.
 */
export async function runCommand(register: (program: Command, write: (s: string) => void) => void, argv: readonly string[]): Promise<CommandRun> {
  let out = '';
  let err = '';
  const write = (s: string) => (out += s);
  const program = new Command('c360');
  register(program, write);
  const capture = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: write, writeErr: (s) => (err += s) });
    c.commands.forEach(capture);
  };
  capture(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return { out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, exit: e };
    throw e;
  }
}
