/** Table commands: `shoal tables create|list|drop|describe`. */
import type { Command } from 'commander'
import type { TableJson } from '../../client/shoal-client.ts'
import { isoTime, table } from '../format.ts'
import { action, clientFor, positiveInt, print, printJson } from './context.ts'

function rows(tables: readonly TableJson[]): unknown[][] {
  return tables.map((t) => [
    t.name,
    t.ttlSeconds ?? '-',
    t.maxVersions,
    t.valueBytesMax,
    isoTime(t.createdAtMs),
  ])
}

const headers = ['NAME', 'TTL(s)', 'MAX VERSIONS', 'MAX VALUE BYTES', 'CREATED']

export function addTableCommands(root: Command): void {
  const tables = root.command('tables').description('create, list, describe and drop tables')
  tables
    .command('create')
    .argument('<name>')
    .option('--ttl <seconds>', 'default time to live of items', positiveInt)
    .option('--max-versions <n>', 'versions kept per item', positiveInt)
    .action(
      action(async (g, name: string, flags: { ttl?: number; maxVersions?: number }) => {
        const created = await clientFor(g).createTable(name, {
          ...(flags.ttl === undefined ? {} : { ttlSeconds: flags.ttl }),
          ...(flags.maxVersions === undefined ? {} : { maxVersions: flags.maxVersions }),
        })
        if (g.json) return printJson(created)
        print(`created table ${created.name}`)
      }),
    )
  tables.command('list').action(
    action(async (g) => {
      const list = await clientFor(g).listTables()
      if (g.json) return printJson(list)
      print(table(headers, rows(list)))
    }),
  )
  tables
    .command('describe')
    .argument('<name>')
    .action(
      action(async (g, name: string) => {
        const described = await clientFor(g).describeTable(name)
        if (g.json) return printJson(described)
        print(table(headers, rows([described])))
      }),
    )
  tables
    .command('drop')
    .argument('<name>')
    .action(
      action(async (g, name: string) => {
        await clientFor(g).dropTable(name)
        if (g.json) return printJson({ dropped: name })
        print(`dropped table ${name}`)
      }),
    )
}
