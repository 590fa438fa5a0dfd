import { Badge, Button, Group, MultiSelect, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api, call, type Schemas } from '../../api/client';
import type { Session } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ListTable } from '../../components/ListTable';
import type { ListsAll } from '../../components/RecordList';
import { useLoad } from '../../components/use-load';
import { strings } from '../../i18n/strings';

const OUTCOMES = [
  'GRANTED',
  'DENIED',
  'BREAK_GLASS',
  'INTEGRITY_VIOLATION',
  'FAILED',
] as const satisfies readonly Outcome[];
type Outcome = Schemas['AccessEvent']['outcome'];
const listsEveryOutcome: ListsAll<Outcome, (typeof OUTCOMES)[number]> = true;
void listsEveryOutcome;
// Denials, break-glass reads and integrity violations stand out.
const COLOR: Record<string, string> = {
  GRANTED: 'teal.9',
  DENIED: 'red.9',
  BREAK_GLASS: 'orange.9',
  INTEGRITY_VIOLATION: 'red.9',
  FAILED: 'gray.8',
};

/** Who accessed the patient's data: who, which hospital, when, purpose, outcome; filterable by outcome. */
export function AccessLog({ session }: { session: Session }) {
  const [outcomes, setOutcomes] = useState<string[]>([]);
  const log = useLoad(async () => {
    const events: Schemas['AccessEvent'][] = [];
    let bookmark: string | undefined;
    // The log is short for one patient; read every page so the filter sees everything.
    for (let page = 0; page < 20; page++) {
      const result = await call(
        api.GET('/v1/patients/{patientId}/access-log', {
          params: { path: { patientId: session.userId }, query: { bookmark } },
        }),
      );
      events.push(...result.events);
      if (!result.bookmark) break;
      bookmark = result.bookmark;
    }
    return events.sort((a, b) => b.at.localeCompare(a.at));
  }, [session.userId]);
  const events = (log.data ?? []).filter((e) => outcomes.length === 0 || outcomes.includes(e.outcome));
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.accessLog.title}
      </Title>
      <Group align="end">
        <MultiSelect
          label={strings.accessLog.filterOutcome}
          placeholder={strings.common.all}
          data={OUTCOMES.map((o) => ({ value: o, label: strings.outcomes[o] ?? o }))}
          value={outcomes}
          onChange={setOutcomes}
          clearable
          w={320}
        />
        <Button variant="default" onClick={log.reload}>
          {strings.common.refresh}
        </Button>
      </Group>
      <ProblemAlert error={log.error} />
      <ListTable
        label={strings.accessLog.title}
        testId="access-log"
        minWidth={560}
        striped
        loading={log.loading}
        failed={Boolean(log.error)}
        empty={strings.accessLog.empty}
        rows={events}
        rowKey={(e) => e.eventId}
        rowProps={(e) => ({ 'data-outcome': e.outcome, bg: e.outcome === 'GRANTED' ? undefined : 'red.0' })}
        columns={[
          { header: strings.accessLog.when, cell: (e) => new Date(e.at).toLocaleString() },
          { header: strings.accessLog.who, cell: (e) => e.actorId },
          { header: strings.accessLog.hospital, cell: (e) => e.actorOrg },
          { header: strings.accessLog.purpose, cell: (e) => strings.purposes[e.purpose] ?? e.purpose },
          {
            header: strings.accessLog.record,
            cell: (e) => (
              <Text size="xs" ff="monospace">
                {e.recordId}
              </Text>
            ),
          },
          {
            header: strings.accessLog.outcome,
            cell: (e) => (
              <>
                <Badge color={COLOR[e.outcome]} variant="filled">
                  {strings.outcomes[e.outcome] ?? e.outcome}
                </Badge>
                {e.reason ? (
                  <Text size="xs" c="dark.6">
                    {e.reason}
                  </Text>
                ) : null}
              </>
            ),
          },
        ]}
      />
    </Stack>
  );
}
