// A standalone entry that runs only `serve`: the tests bundle it to start servers without the
// whole CLI. dist/bench.js dispatches `serve` to the same runServeCommand.
import { runServeCommand } from './serve-command.js';

const argv = process.argv.slice(2);
const args = argv[0] === 'serve' ? argv.slice(1) : argv;
process.exitCode = await runServeCommand(args);
