import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, call, type Schemas } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Empty, Loading, Success } from '../../components/States';
import { useAction, useLoad } from '../../components/use-load';
import { strings } from '../../i18n/strings';
import { endOfDay, inDays } from './Sharing';

/** Pending access requests: approve with an expiry (a consent is created) or deny. */
export function PendingRequests() {
  const requests = useLoad(
    () => call(api.GET('/v1/access-requests', { params: { query: { status: 'pending' } } })),
    [],
  );
  const decide = useAction();
  const list = requests.data ?? [];
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.requests.title}
      </Title>
      <ProblemAlert error={requests.error ?? decide.error} />
      <Success message={decide.message} />
      {requests.loading ? <Loading /> : null}
      {!requests.loading && !requests.error && list.length === 0 ? (
        <Empty label={strings.requests.empty} />
      ) : null}
      {list.map((request) => (
        <RequestCard key={request.requestId} request={request} decide={decide} onDone={requests.reload} />
      ))}
    </Stack>
  );
}

function RequestCard({
  request,
  decide,
  onDone,
}: {
  request: Schemas['AccessRequest'];
  decide: ReturnType<typeof useAction>;
  onDone: () => void;
}) {
  const [until, setUntil] = useState(inDays(30));
  const approve = () =>
    void decide.run(async () => {
      await call(
        api.POST('/v1/access-requests/{requestId}/approve', {
          params: { path: { requestId: request.requestId } },
          body: { expiresAt: endOfDay(until) },
        }),
      );
      onDone();
      return strings.requests.approved;
    });
  const deny = () =>
    void decide.run(async () => {
      await call(
        api.POST('/v1/access-requests/{requestId}/deny', {
          params: { path: { requestId: request.requestId } },
        }),
      );
      onDone();
      return strings.requests.denied;
    });
  const scope = request.scope.recordIds?.length
    ? request.scope.recordIds.join(', ')
    : (request.scope.categories ?? []).map((c) => strings.categories[c] ?? c).join(', ');
  return (
    <Card withBorder data-testid="access-request" data-requester={request.requesterId}>
      <Text fw={600}>
        {strings.requests.from}: {request.requesterId} ({request.requesterOrg})
      </Text>
      <Text size="sm">
        {strings.purposes[request.purpose] ?? request.purpose} · {scope}
      </Text>
      <Text size="sm">
        {strings.requests.reason}: {request.reason}
      </Text>
      <Group align="end" mt="sm" wrap="wrap">
        <TextInput
          type="date"
          label={strings.requests.approveUntil}
          value={until}
          min={inDays(0)}
          onChange={(e) => setUntil(e.currentTarget.value)}
          w={180}
        />
        <Button
          onClick={approve}
          loading={decide.busy}
          aria-label={`${strings.requests.approve}: ${request.requesterId}`}
        >
          {strings.requests.approve}
        </Button>
        <Button
          variant="outline"
          color="red.8"
          onClick={deny}
          aria-label={`${strings.requests.deny}: ${request.requesterId}`}
        >
          {strings.requests.deny}
        </Button>
      </Group>
    </Card>
  );
}
