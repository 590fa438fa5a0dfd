import { Badge, Button, Group, MultiSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api, call, type Schemas } from '../../api/client';
import type { Session } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { ScrollTable } from '../../components/ScrollTable';
import { Empty, Loading } from '../../components/States';
import { useLoad } from '../../components/use-load';
import { strings } from '../../i18n/strings';

const OUTCOMES = ['GRANTED', 'DENIED', 'BREAK_GLASS', 'INTEGRITY_VIOLATION', 'FAILED'] as const;
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
      {log.loading ? <Loading /> : null}
      {!log.loading && !log.error && events.length === 0 ? <Empty label={strings.accessLog.empty} /> : null}
      {events.length > 0 ? (
        <ScrollTable label={strings.accessLog.title} minWidth={560}>
          <Table striped data-testid="access-log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{strings.accessLog.when}</Table.Th>
                <Table.Th>{strings.accessLog.who}</Table.Th>
                <Table.Th>{strings.accessLog.hospital}</Table.Th>
                <Table.Th>{strings.accessLog.purpose}</Table.Th>
                <Table.Th>{strings.accessLog.record}</Table.Th>
                <Table.Th>{strings.accessLog.outcome}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr
                  key={e.eventId}
                  data-outcome={e.outcome}
                  bg={e.outcome === 'GRANTED' ? undefined : 'red.0'}
                >
                  <Table.Td>{new Date(e.at).toLocaleString()}</Table.Td>
                  <Table.Td>{e.actorId}</Table.Td>
                  <Table.Td>{e.actorOrg}</Table.Td>
                  <Table.Td>{strings.purposes[e.purpose] ?? e.purpose}</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {e.recordId}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={COLOR[e.outcome]} variant="filled">
                      {strings.outcomes[e.outcome] ?? e.outcome}
                    </Badge>
                    {e.reason ? (
                      <Text size="xs" c="dark.6">
                        {e.reason}
                      </Text>
                    ) : null}
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
