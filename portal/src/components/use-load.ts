import { useCallback, useEffect, useState } from 'react';

/** Loads data on mount and when `deps` change; `reload` runs it again. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    run().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** Runs an action with a busy flag and keeps its error or result message. */
export function useAction(): {
  busy: boolean;
  error?: unknown;
  message?: string;
  run: (action: () => Promise<string | void>) => Promise<boolean>;
} {
  const [state, setState] = useState<{ busy: boolean; error?: unknown; message?: string }>({ busy: false });
  const run = useCallback(async (action: () => Promise<string | void>) => {
    setState({ busy: true });
    try {
      const message = await action();
      setState({ busy: false, message: message ?? undefined });
      return true;
    } catch (error) {
      setState({ busy: false, error });
      return false;
    }
  }, []);
  return { ...state, run };
}
