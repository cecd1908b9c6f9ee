// Prints the backtest table: node --import tsx eval/backtest/cli.ts [scenario ...]
import { formatBacktest, runBacktest } from '../backtest.js';

const scenarios = process.argv.slice(2);
const report = await runBacktest(scenarios.length ? { scenarios } : {});
process.stdout.write(`${formatBacktest(report)}\n`);
