/**
 * V8 flags every storage node process is started with (by `npm start`, `shoal storage`, the test
 * harness and the benches). A node allocates short-lived objects per message and per write
 * (frames, decoded messages, commands, keys); with V8's default 16 MiB semi-space the young
 * generation is scavenged often and part of it survives into the old generation.
 *
 * 32 MiB, not more: each scavenge pauses the node, and a larger semi-space makes fewer but
 * longer pauses (25-55 ms each at 64 MiB on this 2-core machine, `--trace-gc`). Cluster bench,
 * puts at 64 in flight, two quiet rounds each: 16 MiB 4,739 / 5,069 puts/s, p99 37 / 40 ms;
 * 32 MiB 4,795 / 5,354, p99 38 / 39 ms; 64 MiB 4,937 / 5,770, p99 59 / 45 ms.
 */
export const storageNodeExecArgv: readonly string[] = ['--max-semi-space-size=32']
