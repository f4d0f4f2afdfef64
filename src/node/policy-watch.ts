// Watches the policy directories (recursively) and calls back once a burst of edits has settled:
// an editor's save is often several events (write, rename, chmod), and a `git checkout` many more.
// Only *.yaml / *.yml changes (and unnamed events) count.

import { watch, type FSWatcher } from 'node:fs';

export interface PolicyWatcher {
  close(): void;
}

export function watchPolicyDirs(dirs: readonly string[], onSettled: () => void, options: { debounceMs?: number; onError?: (error: Error) => void } = {}): PolicyWatcher {
  const debounceMs = options.debounceMs ?? 300;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const fire = () => {
    timer = null;
    onSettled();
  };
  const watchers: FSWatcher[] = dirs.map((dir) => {
    const watcher = watch(dir, { recursive: true, persistent: false }, (_event, name) => {
      if (name !== null && !/\.ya?ml$/.test(String(name))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(fire, debounceMs);
    });
    watcher.on('error', (error) => options.onError?.(error));
    return watcher;
  });
  return {
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      for (const watcher of watchers) watcher.close();
    },
  };
}
