import { Badge, Button, Stack, Table, Title } from '@mantine/core';
import { api, call } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ScrollTable } from '../../components/ScrollTable';
import { Empty, Loading } from '../../components/States';
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
      {requests.loading ? <Loading /> : null}
      {!requests.loading && !requests.error && list.length === 0 ? <Empty /> : null}
      {list.length > 0 ? (
        <ScrollTable label={strings.practitioner.myRequestsTitle} minWidth={480}>
          <Table data-testid="my-requests">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{strings.practitioner.patient}</Table.Th>
                <Table.Th>{strings.practitioner.purpose}</Table.Th>
                <Table.Th>{strings.requests.reason}</Table.Th>
                <Table.Th>{strings.requests.status}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r) => (
                <Table.Tr key={r.requestId} data-patient={r.patientId}>
                  <Table.Td>{r.patientId}</Table.Td>
                  <Table.Td>{strings.purposes[r.purpose] ?? r.purpose}</Table.Td>
                  <Table.Td>{r.reason}</Table.Td>
                  <Table.Td>
                    <Badge color={COLOR[r.status]}>{strings.requests.statuses[r.status] ?? r.status}</Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      ) : null}
    </Stack>
  );
}
