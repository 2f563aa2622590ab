/** `shoal cluster status`: the gateway's view of nodes and shards, summarised for people. */
import type { Command } from 'commander'
import { table } from '../format.ts'
import { action, clientFor, print, printJson } from './context.ts'

type Json = Record<string, unknown>

function asArray(value: unknown): Json[] {
  return Array.isArray(value)
    ? value.filter((v): v is Json => typeof v === 'object' && v !== null)
    : []
}

/** Renders arrays of flat objects as tables and scalars as `name: value` lines. */
export function describeStatus(status: unknown): string {
  if (typeof status !== 'object' || status === null) return String(status)
  const lines: string[] = []
  for (const [name, value] of Object.entries(status as Json)) {
    const list = asArray(value)
    if (list.length > 0) {
      const columns = Object.keys(list[0] ?? {}).filter((column) =>
        list.every((row) => typeof row[column] !== 'object' || row[column] === null),
      )
      lines.push(
        `${name}:`,
        table(
          columns.map((c) => c.toUpperCase()),
          list.map((row) => columns.map((c) => row[c])),
        ),
        '',
      )
    } else if (typeof value !== 'object' || value === null) {
      lines.push(`${name}: ${String(value)}`)
    } else {
      lines.push(`${name}: ${JSON.stringify(value)}`)
    }
  }
  return lines.join('\n')
}

export function addClusterCommands(root: Command): void {
  const cluster = root.command('cluster').description('cluster state')
  cluster
    .command('status')
    .description('nodes, shards and leaders as the gateway sees them')
    .action(
      action(async (g) => {
        const client = clientFor(g)
        const [status, ready] = await Promise.all([client.cluster(), client.ready()])
        if (g.json) return printJson({ ready, ...(status as Json) })
        print(`ready: ${ready}\n${describeStatus(status)}`)
      }),
    )
}
