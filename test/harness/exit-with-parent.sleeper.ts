/** Test fixture for exit-with-parent.test.ts: a process that would run for ten minutes. */
setTimeout(() => {}, 600_000)
