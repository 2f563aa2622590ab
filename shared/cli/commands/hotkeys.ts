/**
 * `shoal hotkeys [--watch]`: the hottest keys by request rate. `--watch` redraws every second
 * until Ctrl-C, or until `--count` redraws when given (bounded for scripts and tests); with
 * --json each redraw is one JSON line.
 */
import type { Command } from 'commander'
import type { HotKeysJson } from '../../client/shoal-client.ts'
import { table } from '../format.ts'
import { action, clientFor, positiveInt, print, printJson } from './context.ts'

const WATCH_INTERVAL_MS = 1_000

export function hotKeysTable(answer: HotKeysJson): string {
  const rows = answer.keys.map((k) => [
    k.table,
    k.key,
    k.ratePerSec.toFixed(1),
    k.readsPerSec.toFixed(1),
    k.writesPerSec.toFixed(1),
    `${(k.share * 100).toFixed(1)}%`,
    k.hot ? 'HOT' : '',
  ])
  const header = `window ${answer.windowMs / 1000}s, ${answer.keys.length} keys`
  return `${header}\n${table(['TABLE', 'KEY', 'REQ/S', 'READ/S', 'WRITE/S', 'SHARE', ''], rows)}`
}

export function addHotKeysCommand(root: Command): void {
  root
    .command('hotkeys')
    .description('the hottest keys by request rate')
    .option('--limit <n>', 'at most this many keys', positiveInt)
    .option('--window <window>', 'rate window, e.g. 10s or 1m')
    .option('--watch', 'redraw every second until Ctrl-C')
    .option('--count <n>', 'with --watch: stop after this many redraws', positiveInt)
    .action(
      action(
        async (g, flags: { limit?: number; window?: string; watch?: boolean; count?: number }) => {
          const client = clientFor(g)
          const query = {
            ...(flags.limit === undefined ? {} : { limit: flags.limit }),
            ...(flags.window === undefined ? {} : { window: flags.window }),
          }
          const redraws = flags.watch === true ? (flags.count ?? Infinity) : 1
          for (let i = 0; i < redraws; i++) {
            const answer = await client.hotKeys(query)
            // Watching: one JSON document per line, so a script can read them as they come.
            if (g.json && flags.watch === true) print(JSON.stringify(answer))
            else if (g.json) printJson(answer)
            else {
              if (flags.watch === true && process.stdout.isTTY)
                process.stdout.write('\x1b[2J\x1b[H')
              print(hotKeysTable(answer))
            }
            if (i + 1 < redraws) await new Promise((r) => setTimeout(r, WATCH_INTERVAL_MS))
          }
        },
      ),
    )
}
