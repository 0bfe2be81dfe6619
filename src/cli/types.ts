/** A subcommand of the `portcullis` CLI: one file per command under src/cli/, listed in src/cli/index.ts. */
export interface CliCommand {
  readonly name: string;
  /** One line for `portcullis --help`. */
  readonly summary: string;
  /** Full usage text for `portcullis <name> --help`. */
  readonly usage: string;
  /** Runs the command; returns the exit code. Prints results to stdout, diagnostics to stderr. */
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}
