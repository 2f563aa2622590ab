/**
 * V8 flags every storage node process is started with (by `npm start`, the test harness and
 * the benches). A node allocates short-lived objects per message and per write (frames,
 * decoded messages, commands, keys); with V8's default 16 MiB semi-space the young generation
 * is scavenged often and part of it survives into the old generation. With 64 MiB the garbage
 * collector's share of node CPU fell from 7.5% to 4.7% at 64 puts in flight (3 nodes, cluster
 * bench profile), for up to ~128 MiB more young-generation memory per node.
 */
export const storageNodeExecArgv: readonly string[] = ['--max-semi-space-size=64']
