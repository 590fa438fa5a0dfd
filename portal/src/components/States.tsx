import { Alert, Center, Loader, Text } from '@mantine/core';
import { strings } from '../i18n/strings';

/** A loading state that screen readers announce. */
export function Loading({ label = strings.common.loading }: { label?: string }) {
  return (
    <Center py="lg" role="status" aria-live="polite">
      <Loader size="sm" mr="sm" aria-hidden />
      <Text size="sm">{label}</Text>
    </Center>
  );
}

/** An empty list. */
export function Empty({ label = strings.common.empty }: { label?: string }) {
  return (
    <Text c="dark.6" size="sm" py="md" data-testid="empty">
      {label}
    </Text>
  );
}

/** A success message, announced. */
export function Success({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <Alert color="teal" role="status" data-testid="success">
      {message}
    </Alert>
  );
}
