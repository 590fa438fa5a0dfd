import { Alert, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, call, fetchBlob, saveBlob } from '../../api/client';
import { setSession, type Session } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Success } from '../../components/States';
import { useAction } from '../../components/use-load';
import { strings } from '../../i18n/strings';

/** Export (FHIR Bundle or ZIP) and erasure, confirmed by typing the patient's id. */
export function ExportErase({ session }: { session: Session }) {
  const exporter = useAction();
  const eraser = useAction();
  const [confirm, setConfirm] = useState('');
  const base = `/v1/patients/${encodeURIComponent(session.userId)}/export`;
  const download = (zip: boolean) =>
    void exporter.run(async () => {
      const { blob } = await fetchBlob(zip ? `${base}?format=zip` : base);
      saveBlob(blob, `careledger-${session.userId}.${zip ? 'zip' : 'json'}`);
      return strings.exportErase.exported;
    });
  const erase = () =>
    void eraser.run(async () => {
      const result = await call(
        api.POST('/v1/patients/{patientId}/erasure', { params: { path: { patientId: session.userId } } }),
      );
      return strings.exportErase.erased(result.recordsErased, result.blobsRemoved);
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
          <ProblemAlert error={eraser.error} />
          <Success message={eraser.message} />
        </Stack>
      </Card>
    </Stack>
  );
}
