import { Badge, Button, Stack, Title } from '@mantine/core';
import { api, call } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ListTable } from '../../components/ListTable';
import { useLoad } from '../../components/use-load';
import { strings } from '../../i18n/strings';

const COLOR: Record<string, string> = { PENDING: 'yellow.9', APPROVED: 'teal.9', DENIED: 'red.9' };

/** The practitioner's own access requests and their status. */
export function MyAccessRequests() {
  const requests = useLoad(() => call(api.GET('/v1/access-requests', {})), []);
  const list = (requests.data ?? []).slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.practitioner.myRequestsTitle}
      </Title>
      <Button variant="default" onClick={requests.reload} w="fit-content">
        {strings.common.refresh}
      </Button>
      <ProblemAlert error={requests.error} />
      <ListTable
        label={strings.practitioner.myRequestsTitle}
        testId="my-requests"
        minWidth={480}
        loading={requests.loading}
        failed={Boolean(requests.error)}
        rows={list}
        rowKey={(r) => r.requestId}
        rowProps={(r) => ({ 'data-patient': r.patientId })}
        columns={[
          { header: strings.practitioner.patient, cell: (r) => r.patientId },
          { header: strings.practitioner.purpose, cell: (r) => strings.purposes[r.purpose] ?? r.purpose },
          { header: strings.requests.reason, cell: (r) => r.reason },
          {
            header: strings.requests.status,
            cell: (r) => (
              <Badge color={COLOR[r.status]}>{strings.requests.statuses[r.status] ?? r.status}</Badge>
            ),
          },
        ]}
      />
    </Stack>
  );
}
