import { Alert, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiProblem, api, call, fetchBlob, saveBlob, type Schemas } from '../../api/client';
import { setSession, type Session } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Success } from '../../components/States';
import { useAction } from '../../components/use-load';
import { strings } from '../../i18n/strings';

/** How often the screen asks how far an erasure got. */
const ERASURE_POLL_MS = 1000;

/**
 * Export (FHIR Bundle or ZIP) and erasure, confirmed by typing the patient's id. The erasure answers at once
 * (the patient is marked as being erased) and goes on in pages: the screen follows its status until it is
 * finished; an erasure that stopped is resumed with the same button.
 */
export function ExportErase({ session }: { session: Session }) {
  const exporter = useAction();
  const eraser = useAction();
  const [confirm, setConfirm] = useState('');
  const [progress, setProgress] = useState<Schemas['ErasureStatus']>();
  const base = `/v1/patients/${encodeURIComponent(session.userId)}/export`;
  const download = (zip: boolean) =>
    void exporter.run(async () => {
      const { blob } = await fetchBlob(zip ? `${base}?format=zip` : base);
      saveBlob(blob, `careledger-${session.userId}.${zip ? 'zip' : 'json'}`);
      return strings.exportErase.exported;
    });
  const erase = () =>
    void eraser.run(async () => {
      const params = { path: { patientId: session.userId } };
      let status = await call(api.POST('/v1/patients/{patientId}/erasure', { params }));
      for (;;) {
        setProgress(status);
        if (status.finished) break;
        if (!status.running && status.error) {
          throw new ApiProblem({ status: 0, code: status.error, detail: strings.exportErase.stopped });
        }
        await new Promise((resolve) => setTimeout(resolve, ERASURE_POLL_MS));
        status = await call(api.GET('/v1/patients/{patientId}/erasure', { params }));
      }
      setProgress(undefined);
      return strings.exportErase.erased(status.recordsErased, status.eventsErased);
    });
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.exportErase.title}
      </Title>
      <Card withBorder>
        <Stack>
          <Title order={2} size="h4">
            {strings.exportErase.exportTitle}
          </Title>
          <Text size="sm">{strings.exportErase.exportHelp}</Text>
          <Group>
            <Button onClick={() => download(false)} loading={exporter.busy}>
              {strings.exportErase.exportBundle}
            </Button>
            <Button variant="default" onClick={() => download(true)}>
              {strings.exportErase.exportZip}
            </Button>
          </Group>
          <ProblemAlert error={exporter.error} />
          <Success message={exporter.message} />
        </Stack>
      </Card>
      <Card withBorder>
        <Stack>
          <Title order={2} size="h4">
            {strings.exportErase.eraseTitle}
          </Title>
          <Alert color="red" variant="light">
            <Text size="sm">{strings.exportErase.eraseExplain}</Text>
          </Alert>
          <TextInput
            label={strings.exportErase.eraseConfirm(session.userId)}
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            autoComplete="off"
          />
          <Group>
            <Button
              color="red.8"
              disabled={confirm !== session.userId || eraser.message !== undefined}
              onClick={erase}
              loading={eraser.busy}
            >
              {strings.exportErase.erase}
            </Button>
            {eraser.message ? (
              <Button variant="default" onClick={() => setSession(null)}>
                {strings.app.signOut}
              </Button>
            ) : null}
          </Group>
          {progress && !progress.finished ? (
            <Text size="sm" role="status" data-testid="erasure-progress">
              {strings.exportErase.erasing(progress.recordsErased, progress.eventsErased, progress.pages)}
            </Text>
          ) : null}
          <ProblemAlert error={eraser.error} />
          <Success message={eraser.message} />
        </Stack>
      </Card>
    </Stack>
  );
}
