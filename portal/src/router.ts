import { useSyncExternalStore } from 'react';

// Screens live in the URL's hash (#/records, #/patient/pat-1): the gateway serves one index.html at `/`
// and no API path is ever shadowed by a client route.
function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

function current(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, '')) || '/';
}

/** The current route, e.g. `/records` or `/patient/pat-1/upload`. */
export function useRoute(): string {
  return useSyncExternalStore(subscribe, current, () => '/');
}

/** Goes to a route. */
export function navigate(route: string): void {
  window.location.hash = route;
}

/** The href of a route (for links). */
export function href(route: string): string {
  return `#${route}`;
}
