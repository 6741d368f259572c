import { spawn } from 'node:child_process';

// Ctrl-C or a SIGTERM to the test run ends it through process.exit, so every 'exit' handler (which
// kills the processes the harness started) runs; a signal's default action would skip them.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));

/**
 * Kills `pids` (and removes `dir`, if given) once this process is gone, also when it was killed
 * with SIGKILL and ran no exit handler: a detached shell that looks once a second. It ends by
 * itself when the processes end first, and only kills a pid whose command line still contains
 * `marker` (a pid reused by someone else's process is left alone).
 */
export function watchdog(pids: number[], marker: string, dir?: string): void {
  const list = pids.join(' ');
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do
      alive=0; for p in ${list}; do kill -0 $p 2>/dev/null && alive=1; done
      [ $alive = 0 ] && exit 0
      sleep 1
    done
    for p in ${list}; do grep -qF -- '${marker}' /proc/$p/cmdline 2>/dev/null && kill -9 $p; done
    ${dir ? `rm -rf '${dir}'` : ':'}`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}
