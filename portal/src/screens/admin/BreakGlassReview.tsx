import { Button, Stack, Table, Title } from '@mantine/core';
import { api, call } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ScrollTable } from '../../components/ScrollTable';
import { Empty, Loading, Success } from '../../components/States';
import { useAction, useLoad } from '../../components/use-load';
import { strings } from '../../i18n/strings';

/** The hospital's break-glass sessions waiting for review. */
export function BreakGlassReview() {
  const sessions = useLoad(
    () => call(api.GET('/v1/emergency-access', { params: { query: { reviewed: false } } })),
    [],
  );
  const review = useAction();
  const list = sessions.data ?? [];
  const markReviewed = (sessionId: string) =>
    void review.run(async () => {
      await call(api.POST('/v1/emergency-access/{sessionId}/review', { params: { path: { sessionId } } }));
      sessions.reload();
      return strings.admin.reviewed;
    });
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.admin.reviewTitle}
      </Title>
      <ProblemAlert error={sessions.error ?? review.error} />
      <Success message={review.message} />
      {sessions.loading ? <Loading /> : null}
      {!sessions.loading && !sessions.error && list.length === 0 ? (
        <Empty label={strings.admin.empty} />
      ) : null}
      {list.length > 0 ? (
        <ScrollTable label={strings.admin.reviewTitle} minWidth={560}>
          <Table data-testid="review-queue">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{strings.admin.actor}</Table.Th>
                <Table.Th>{strings.admin.patient}</Table.Th>
                <Table.Th>{strings.admin.reason}</Table.Th>
                <Table.Th>{strings.admin.opened}</Table.Th>
                <Table.Th>{strings.admin.uses}</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">{strings.admin.review}</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((s) => (
                <Table.Tr key={s.sessionId} data-actor={s.actorId}>
                  <Table.Td>{s.actorId}</Table.Td>
                  <Table.Td>{s.patientId}</Table.Td>
                  <Table.Td>{strings.emergencyReasons[s.reasonCode] ?? s.reasonCode}</Table.Td>
                  <Table.Td>{new Date(s.openedAt).toLocaleString()}</Table.Td>
                  <Table.Td>{s.uses}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      onClick={() => markReviewed(s.sessionId)}
                      aria-label={`${strings.admin.review}: ${s.actorId}`}
                    >
                      {strings.admin.review}
                    </Button>
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
