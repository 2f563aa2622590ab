/**
 * Item commands: put, get, del, scan, versions, multi-get. A key is `KEY`, or a partition and
 * sort key with `--sort SORT`. Values print as text when printable UTF-8, else base64.
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { Option } from 'commander'
import type { ItemKeyArg, ListedItem, ShoalClient } from '../../client/shoal-client.ts'
import { limits } from '../../limits.ts'
import { isoTime, renderValue, table, valueLine } from '../format.ts'
import { progressBar } from '../progress.ts'
import {
  action,
  CliExit,
  clientFor,
  EXIT_NOT_FOUND_OR_PRECONDITION,
  EXIT_USAGE,
  type GlobalOptions,
  positiveInt,
  print,
  printJson,
} from './context.ts'

function keyOf(key: string, sort: string | undefined): ItemKeyArg {
  return sort === undefined ? key : { partition: key, sort }
}

function keyText(key: string, sort: string | undefined): string {
  return sort === undefined ? key : `${key}/${sort}`
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return new Uint8Array(Buffer.concat(chunks))
}

/** The value from the argument, `--file`, or stdin when the argument is `-`. */
async function valueFrom(
  argument: string | undefined,
  file: string | undefined,
): Promise<Uint8Array> {
  if (file !== undefined && argument !== undefined) {
    throw new CliExit(EXIT_USAGE, 'give the value as an argument or --file, not both')
  }
  if (file !== undefined) {
    try {
      return new Uint8Array(readFileSync(file))
    } catch (error) {
      throw new CliExit(EXIT_USAGE, `cannot read ${file}: ${(error as Error).message}`)
    }
  }
  if (argument === undefined)
    throw new CliExit(EXIT_USAGE, 'missing value (argument, --file, or -)')
  if (argument === '-') return readStdin()
  return new TextEncoder().encode(argument)
}

function jsonValue(value: Uint8Array): { value: string; encoding: string } {
  const rendered = renderValue(value)
  return { value: rendered.text, encoding: rendered.encoding }
}

const consistency = (): Option =>
  new Option('--consistency <level>', 'read consistency').choices(['strong', 'eventual'])

interface PutFlags {
  sort?: string
  file?: string
  ifMatch?: number
  ifNoneMatch?: boolean
  ttl?: number
  contentType?: string
}

function addPut(root: Command): void {
  root
    .command('put')
    .description('write an item; the value is an argument, --file F, or - for stdin')
    .argument('<table>')
    .argument('<key>')
    .argument('[value]')
    .option('--sort <sortKey>', 'sort key (key is then the partition key)')
    .option('--file <path>', 'read the value from a file')
    .option('--if-match <version>', 'write only if the current version is this', positiveInt)
    .option('--if-none-match', 'write only if the item does not exist')
    .option('--ttl <seconds>', 'expire after this many seconds', positiveInt)
    .option('--content-type <type>', 'content type to store')
    .action(
      action(async (g, name: string, key: string, raw: string | undefined, flags: PutFlags) => {
        const value = await valueFrom(raw, flags.file)
        const result = await clientFor(g).put(name, keyOf(key, flags.sort), value, {
          contentType: flags.contentType ?? 'application/octet-stream',
          ...(flags.ifMatch === undefined ? {} : { ifMatch: flags.ifMatch }),
          ...(flags.ifNoneMatch === true ? { ifNoneMatch: true } : {}),
          ...(flags.ttl === undefined ? {} : { ttlSeconds: flags.ttl }),
        })
        if (g.json) return printJson(result)
        const verb = result.created ? 'created' : 'updated'
        print(`${verb} ${keyText(key, flags.sort)} version ${result.version}`)
      }),
    )
}

function addGet(root: Command): void {
  root
    .command('get')
    .description('read an item (exit 1 when absent)')
    .argument('<table>')
    .argument('<key>')
    .option('--sort <sortKey>', 'sort key (key is then the partition key)')
    .addOption(consistency())
    .option('--max-staleness <ms>', 'eventual reads: staleness bound', positiveInt)
    .action(
      action(async (g, name: string, key: string, flags: Record<string, unknown>) => {
        const item = await clientFor(g).get(name, keyOf(key, flags['sort'] as string | undefined), {
          ...(flags['consistency'] === undefined
            ? {}
            : { consistency: flags['consistency'] as 'strong' | 'eventual' }),
          ...(flags['maxStaleness'] === undefined
            ? {}
            : { maxStalenessMs: flags['maxStaleness'] as number }),
        })
        const label = keyText(key, flags['sort'] as string | undefined)
        if (item === null) throw new CliExit(EXIT_NOT_FOUND_OR_PRECONDITION, `not found: ${label}`)
        if (g.json) {
          return printJson({ ...item, ...jsonValue(item.value) })
        }
        print(valueLine(item.value))
        process.stderr.write(`(version ${item.version}, ${isoTime(item.timestamp)})\n`)
      }),
    )
}

function addDelete(root: Command): void {
  root
    .command('del')
    .alias('delete')
    .description('delete an item')
    .argument('<table>')
    .argument('<key>')
    .option('--sort <sortKey>', 'sort key (key is then the partition key)')
    .option('--if-match <version>', 'delete only if the current version is this', positiveInt)
    .action(
      action(async (g, name: string, key: string, flags: { sort?: string; ifMatch?: number }) => {
        await clientFor(g).delete(
          name,
          keyOf(key, flags.sort),
          flags.ifMatch === undefined ? {} : { ifMatch: flags.ifMatch },
        )
        if (g.json) return printJson({ deleted: true })
        print(`deleted ${keyText(key, flags.sort)}`)
      }),
    )
}

type ScanPage = Awaited<ReturnType<ShoalClient['scan']>>

/** Scan pages, following cursors when `all`; the bar counts items (the total is unknown). */
async function scanPages(
  g: GlobalOptions,
  name: string,
  partition: string,
  flags: Record<string, unknown>,
): Promise<ScanPage> {
  const client = clientFor(g)
  const options = {
    ...(flags['prefix'] === undefined ? {} : { prefix: flags['prefix'] as string }),
    ...(flags['limit'] === undefined ? {} : { limit: flags['limit'] as number }),
    ...(flags['reverse'] === true ? { reverse: true } : {}),
    ...(flags['cursor'] === undefined ? {} : { cursor: flags['cursor'] as string }),
    ...(flags['consistency'] === undefined
      ? {}
      : { consistency: flags['consistency'] as 'strong' | 'eventual' }),
  }
  if (flags['all'] !== true) return client.scan(name, partition, options)
  const items: ScanPage['items'] = []
  const bar = progressBar(`scan ${name}/${partition}`, 'items', null, g)
  try {
    let cursor: string | null = options.cursor ?? null
    do {
      const page: ScanPage = await client.scan(name, partition, {
        ...options,
        ...(cursor === null ? {} : { cursor }),
      })
      items.push(...page.items)
      bar.update(items.length)
      cursor = page.cursor
    } while (cursor !== null)
  } finally {
    bar.stop()
  }
  return { items, cursor: null }
}

function addScan(root: Command): void {
  root
    .command('scan')
    .description('list the items of one partition in sort-key order')
    .argument('<table>')
    .argument('<partition>')
    .option('--prefix <prefix>', 'only sort keys with this prefix')
    .option('--limit <n>', 'at most this many items (per page with --all)', positiveInt)
    .option('--cursor <cursor>', 'resume where a previous page ended')
    .option('--all', 'follow the cursor through every page')
    .option('--reverse', 'descending order')
    .addOption(consistency())
    .action(
      action(async (g, name: string, partition: string, flags: Record<string, unknown>) => {
        const page = await scanPages(g, name, partition, flags)
        if (g.json) {
          const items = page.items.map((item) => ({ ...item, ...jsonValue(item.value) }))
          return printJson({ items, cursor: page.cursor })
        }
        const rows = page.items.map((item) => [item.sortKey, item.version, valueLine(item.value)])
        print(table(['SORT KEY', 'VERSION', 'VALUE'], rows))
        if (page.cursor !== null) print(`(more: cursor ${page.cursor}; --all reads every page)`)
      }),
    )
}

function addVersions(root: Command): void {
  root
    .command('versions')
    .description('list the stored versions of an item, newest first')
    .argument('<table>')
    .argument('<key>')
    .option('--sort <sortKey>', 'sort key (key is then the partition key)')
    .option('--limit <n>', 'at most this many versions', positiveInt)
    .action(
      action(async (g, name: string, key: string, flags: { sort?: string; limit?: number }) => {
        const versions = await clientFor(g).versions(
          name,
          keyOf(key, flags.sort),
          flags.limit === undefined ? {} : { limit: flags.limit },
        )
        if (g.json) {
          return printJson(versions.map((v) => (v.deleted ? v : { ...v, ...jsonValue(v.value) })))
        }
        const rows = versions.map((v) => [
          v.version,
          isoTime(v.timestamp),
          v.deleted ? '(deleted)' : valueLine(v.value),
        ])
        print(table(['VERSION', 'TIMESTAMP', 'VALUE'], rows))
      }),
    )
}

/** Keys from the arguments, then from --keys-from (one per line; `-` is stdin). */
async function multiGetKeys(args: readonly string[], from: string | undefined): Promise<string[]> {
  if (from === undefined) return [...args]
  let text: string
  try {
    text = from === '-' ? utf8Decode(await readStdin()) : readFileSync(from, 'utf8')
  } catch (error) {
    throw new CliExit(EXIT_USAGE, `cannot read ${from}: ${(error as Error).message}`)
  }
  return [...args, ...text.split('\n').filter((line) => line !== '')]
}

const utf8Decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** Reads in requests of at most the gateway's key limit; the bar counts keys. */
async function multiGetBatches(
  g: GlobalOptions,
  name: string,
  keys: readonly string[],
  consistencyLevel: 'strong' | 'eventual' | undefined,
): Promise<Array<ListedItem | null>> {
  const client = clientFor(g)
  const batch = limits.gatewayMultiGetKeysMax
  const bar = keys.length > batch ? progressBar(`multi-get ${name}`, 'keys', keys.length, g) : null
  const items: Array<ListedItem | null> = []
  try {
    for (let at = 0; at < keys.length; at += batch) {
      const answer = await client.multiGet(
        name,
        keys.slice(at, at + batch),
        consistencyLevel === undefined ? {} : { consistency: consistencyLevel },
      )
      items.push(...answer)
      bar?.update(items.length)
    }
  } finally {
    bar?.stop()
  }
  return items
}

function printMultiGet(g: GlobalOptions, keys: readonly string[], items: Array<ListedItem | null>) {
  if (g.json) {
    return printJson(
      items.map((item, i) =>
        item === null
          ? { key: keys[i], found: false }
          : { key: keys[i], found: true, ...item, ...jsonValue(item.value) },
      ),
    )
  }
  const rows = items.map((item, i) => [
    keys[i],
    item?.version,
    item === null ? '(not found)' : valueLine(item.value),
  ])
  print(table(['KEY', 'VERSION', 'VALUE'], rows))
}

function addMultiGet(root: Command): void {
  root
    .command('multi-get')
    .description('read several keys, in batches of the gateway limit (exit 1 if any is absent)')
    .argument('<table>')
    .argument('[keys...]')
    .option('--keys-from <file>', 'also read keys from a file, one per line (- for stdin)')
    .addOption(consistency())
    .action(
      action(async (g, name: string, args: string[], flags: Record<string, unknown>) => {
        const keys = await multiGetKeys(args, flags['keysFrom'] as string | undefined)
        if (keys.length === 0) throw new CliExit(EXIT_USAGE, 'no keys (arguments or --keys-from)')
        const level = flags['consistency'] as 'strong' | 'eventual' | undefined
        const items = await multiGetBatches(g, name, keys, level)
        printMultiGet(g, keys, items)
        const missing = items.filter((item) => item === null).length
        if (missing > 0) {
          throw new CliExit(
            EXIT_NOT_FOUND_OR_PRECONDITION,
            `${missing} of ${keys.length} not found`,
          )
        }
      }),
    )
}

export function addItemCommands(root: Command): void {
  addPut(root)
  addGet(root)
  addDelete(root)
  addScan(root)
  addVersions(root)
  addMultiGet(root)
}
