import { Alert, Text } from '@mantine/core';
import { ApiProblem } from '../api/client';
import { strings } from '../i18n/strings';

/** Shows a failed call: the problem's title and detail, its code and the request id support asks for. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const problem =
    error instanceof ApiProblem
      ? error.problem
      : {
          // A refused sign-in (SignInError, in the Firebase chunk) carries its own title.
          title: error instanceof Error && error.name === 'SignInError' ? strings.signIn.failedTitle : undefined,
          detail: error instanceof Error ? error.message : String(error),
          status: 0,
        };
  return (
    <Alert color="red" role="alert" title={problem.title ?? strings.common.error} data-testid="problem">
      <Text size="sm">{problem.detail}</Text>
      {problem.code || problem.requestId ? (
        <Text size="xs" c="dark.6" mt={4}>
          {problem.code ? `${strings.common.code}: ${problem.code}` : ''}
          {problem.code && problem.requestId ? ' · ' : ''}
          {problem.requestId ? `${strings.common.requestId}: ${problem.requestId}` : ''}
        </Text>
      ) : null}
    </Alert>
  );
}
