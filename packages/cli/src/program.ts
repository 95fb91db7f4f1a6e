import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { collectKeyValue, parsePositiveInt, parsePropertyValue } from './args.js';
import { type GlobalOptions, type Io, processIo } from './context.js';
import { describeError, describeErrorVerbose, ExitCode, exitCodeFor } from './errors.js';
import { CLI_VERSION } from './version.js';

/** Wraps a parser so commander reports its failure as a usage error on the flag. */
function flagParser<T, P>(parse: (text: string, previous: P) => T): (text: string, previous: P) => T {
  return (text, previous) => {
    try {
      return parse(text, previous);
    } catch (error) {
      throw new InvalidArgumentError(describeError(error));
    }
  };
}

const dimOption = () =>
  new Option('-d, --dim <key=value>', 'a dimension; repeat for more').argParser(
    flagParser((text: string, previous: Record<string, string> | undefined) =>
      collectKeyValue(text, previous, '--dim'),
    ),
  );

const positiveInt = (what: string) => flagParser((text: string) => parsePositiveInt(text, what));

/**
 * The `sfx` command tree. Command modules load on use, so `sfx --help` starts fast. Each action stores its exit status in `result.code`; `main()` turns
 * thrown errors into one line on stderr and an exit status.
 */
export function createProgram(io: Io, result: { code: number }): Command {
  const program = new Command('sfx');
  program
    .description('Send datapoints and events, run SignalFlow, search metadata, and run a local emulator')
    .version(CLI_VERSION, '-V, --version')
    .option('--token <token>', 'access token (default: SFX_TOKEN)')
    .option('--realm <realm>', 'realm, e.g. us1 (default: SFX_REALM, else us0)')
    .option('--ingest-url <url>', 'ingest base URL (default: SFX_INGEST_URL)')
    .option('--api-url <url>', 'REST API base URL (default: SFX_API_URL)')
    .option('--stream-url <url>', 'SignalFlow base URL (default: SFX_STREAM_URL)')
    .option('--timeout <duration>', 'per-request timeout, e.g. 10s')
    .option('-v, --verbose', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'sfx: ')),
    })
    .showSuggestionAfterError(true);

  const globals = (command: Command) => command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;

  program
    .command('emulator')
    .description('run the local SignalFx emulator in the foreground and print its URLs')
    .option(
      '-p, --port <port>',
      'port to listen on (0 for any free port)',
      flagParser((t) => {
        if (!/^\d+$/.test(t) || Number(t) > 65_535)
          throw new Error(`--port must be 0 to 65535, got ${JSON.stringify(t)}`);
        return Number(t);
      }),
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('-o, --output <format>', 'how to print the URLs').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nThe token it accepts is --token, else SFX_TOKEN, else "dev-token".')
    .action(async (_options, command: Command) => {
      const { runEmulator } = await import('./commands/emulator.js');
      result.code = await runEmulator(globals(command), io);
    });

  program
    .command('send')
    .description('send one datapoint, or every datapoint of a JSON-lines or CSV file')
    .argument('[type]', 'gauge, counter or cumulative')
    .argument('[metric]', 'metric name')
    .argument('[value]', 'the value')
    .addOption(dimOption())
    .option('-t, --timestamp <time>', 'timestamp: epoch ms, ISO date, or relative like -1m (default: now)')
    .option('-f, --file <path>', 'a points file: .jsonl (one JSON object per line) or .csv (header row)')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['jsonl', 'csv']))
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  sfx send gauge cpu.utilization 42.5 --dim host=web-1
  sfx send counter requests 1 --dim route=/login
  sfx send --file points.jsonl     # {"type":"gauge","metric":"m","value":1,"dimensions":{"host":"a"}}
  sfx send --file points.csv       # header: type,metric,value,timestamp,<dimension columns>...`,
    )
    .action(
      async (type: string | undefined, metric: string | undefined, value: string | undefined, _o, command: Command) => {
        const { runSend } = await import('./commands/send.js');
        result.code = await runSend(type, metric, value, globals(command), io);
      },
    );

  program
    .command('event')
    .description('send one event')
    .argument('<type>', 'event type')
    .addOption(dimOption())
    .option(
      '--prop <key=value>',
      'a property (true/false and numbers are typed; quote to keep a string); repeat for more',
      flagParser((text: string, previous: Record<string, string | number | boolean> | undefined) => {
        const [key, value] = Object.entries(collectKeyValue(text, {}, '--prop'))[0] as [string, string];
        return { ...previous, [key]: parsePropertyValue(value) };
      }),
    )
    .option(
      '-c, --category <category>',
      'USER_DEFINED, ALERT, AUDIT, JOB, COLLECTD, SERVICE_DISCOVERY, EXCEPTION or AGENT',
      'USER_DEFINED',
    )
    .option('-t, --timestamp <time>', 'timestamp: epoch ms, ISO date, or relative like -1m (default: now)')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (type: string, _o, command: Command) => {
      const { runEvent } = await import('./commands/event.js');
      result.code = await runEvent(type, globals(command), io);
    });

  program
    .command('flow')
    .description('run a SignalFlow program and show its output')
    .argument('<program>', "the SignalFlow program, e.g. \"data('cpu.utilization').mean(by=['host']).publish()\"")
    .option('-s, --start <time>', 'start: relative like -15m, epoch ms, ISO date or now (default: now)')
    .option('-e, --stop <time>', 'stop: same forms; without it the computation streams until Ctrl-C')
    .option('-r, --resolution <duration>', 'resolution, e.g. 10s or 1m')
    .option('--max-delay <duration>', 'how long to wait for late data, e.g. 5s')
    .option('--immediate', 'stop at the latest available data instead of waiting for the stop time')
    .option('-n, --count <n>', 'stop after this many timestamps', positiveInt('--count'))
    .addOption(
      new Option(
        '-o, --output <format>',
        'live (redrawn table), table (at the end), json or csv (a line per value)',
      ).choices(['live', 'table', 'json', 'csv']),
    )
    .addHelpText('after', '\nThe default output is live on a terminal, json otherwise. Ctrl-C detaches and exits 0.')
    .action(async (source: string, _o, command: Command) => {
      const { runFlow } = await import('./commands/flow.js');
      result.code = await runFlow(source, globals(command), io);
    });

  const searchOptions = (command: Command) =>
    command
      .option('-l, --limit <n>', 'results per page', positiveInt('--limit'))
      .option(
        '--offset <n>',
        'index of the first result',
        flagParser((t) => {
          if (!/^\d+$/.test(t)) throw new Error(`--offset must be a non-negative integer, got ${JSON.stringify(t)}`);
          return Number(t);
        }),
      )
      .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'));

  const metrics = program.command('metrics').description('metric metadata');
  searchOptions(
    metrics
      .command('search')
      .description('search metrics by a query such as name:cpu.* (a bare pattern searches names)')
      .argument('<query>', 'search query'),
  ).action(async (query: string, _o, command: Command) => {
    const { runMetricsSearch } = await import('./commands/metadata.js');
    result.code = await runMetricsSearch(query, globals(command), io);
  });

  const dimensions = program.command('dimensions').description('dimension metadata');
  searchOptions(
    dimensions
      .command('search')
      .description('search dimensions by a query such as host:web-* or key:host')
      .argument('<query>', 'search query'),
  ).action(async (query: string, _o, command: Command) => {
    const { runDimensionsSearch } = await import('./commands/metadata.js');
    result.code = await runDimensionsSearch(query, globals(command), io);
  });

  const detectors = program.command('detectors').description('detectors');
  searchOptions(
    detectors.command('list').description('list detectors').option('--name <text>', 'only names containing this text'),
  ).action(async (_o, command: Command) => {
    const { runDetectorsList } = await import('./commands/metadata.js');
    result.code = await runDetectorsList(globals(command), io);
  });

  return program;
}

/** Runs `sfx` with the given arguments (without `node` and the script) and resolves with the exit status. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const result = { code: ExitCode.Ok as number };
  const program = createProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    // Commander has printed its message already. Help asked for (`--help`, `sfx help flow`) and `--version`
    // end with its exit code 0; help shown because of a mistake (`sfx metrics` alone) is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    const verbose = argv.includes('--verbose') || argv.includes('-v');
    io.stderr.write(`sfx: ${describeError(error)}\n`);
    if (verbose) io.stderr.write(`${describeErrorVerbose(error)}\n`);
    else if (exitCodeFor(error) === ExitCode.Usage) io.stderr.write("run 'sfx --help' for usage\n");
    return exitCodeFor(error);
  }
}
