import { Button, Stack, Title } from '@mantine/core';
import { api, call } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ListTable } from '../../components/ListTable';
import { Success } from '../../components/States';
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
      <ListTable
        label={strings.admin.reviewTitle}
        testId="review-queue"
        minWidth={560}
        loading={sessions.loading}
        failed={Boolean(sessions.error)}
        empty={strings.admin.empty}
        rows={list}
        rowKey={(s) => s.sessionId}
        rowProps={(s) => ({ 'data-actor': s.actorId })}
        columns={[
          { header: strings.admin.actor, cell: (s) => s.actorId },
          { header: strings.admin.patient, cell: (s) => s.patientId },
          {
            header: strings.admin.reason,
            cell: (s) => strings.emergencyReasons[s.reasonCode] ?? s.reasonCode,
          },
          { header: strings.admin.opened, cell: (s) => new Date(s.openedAt).toLocaleString() },
          { header: strings.admin.uses, cell: (s) => s.uses },
          {
            header: <span className="visually-hidden">{strings.admin.review}</span>,
            cell: (s) => (
              <Button
                size="xs"
                onClick={() => markReviewed(s.sessionId)}
                aria-label={`${strings.admin.review}: ${s.actorId}`}
              >
                {strings.admin.review}
              </Button>
            ),
          },
        ]}
      />
    </Stack>
  );
}
