import { useCallback, useEffect, useRef, useState } from 'react';

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

/**
 * Runs an action with a busy flag and keeps its error or result message. A button showing the busy flag
 * (`loading`) is disabled meanwhile, which drops the keyboard focus to the page: when the action ends and
 * focus is still nowhere, it goes back to the control that started the action.
 */
export function useAction(): {
  busy: boolean;
  error?: unknown;
  message?: string;
  run: (action: () => Promise<string | void>) => Promise<boolean>;
} {
  const [state, setState] = useState<{ busy: boolean; error?: unknown; message?: string }>({ busy: false });
  const origin = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const control = origin.current;
    if (state.busy || !control) return;
    origin.current = null;
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (lost && control.isConnected) control.focus();
  }, [state.busy]);
  const run = useCallback(async (action: () => Promise<string | void>) => {
    const active = document.activeElement;
    origin.current = active instanceof HTMLElement && active !== document.body ? active : null;
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
