import { Alert, Button, Card, Select, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, call, type Schemas } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useAction } from '../../components/use-load';
import { strings } from '../../i18n/strings';

const REASONS = ['UNCONSCIOUS', 'LIFE_THREATENING', 'CANNOT_CONSENT', 'OTHER_EMERGENCY'] as const;

function remaining(until: string, now: number): string {
  const ms = Math.max(0, Date.parse(until) - now);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${h} h ${String(m).padStart(2, '0')} min ${String(s).padStart(2, '0')} s`;
}

/** Break-glass: a coded reason, a clear warning, then the remaining time of the window. */
export function BreakGlass({ patientId }: { patientId: string }) {
  const [reason, setReason] = useState<string>('UNCONSCIOUS');
  const [session, setSession] = useState<Schemas['EmergencySession']>();
  const [now, setNow] = useState(Date.now());
  const action = useAction();
  useEffect(() => {
    if (!session) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [session]);
  const open = () =>
    void action.run(async () => {
      setSession(
        await call(
          api.POST('/v1/patients/{patientId}/emergency-access', {
            params: { path: { patientId } },
            body: { reasonCode: reason as Schemas['EmergencyReason'] },
          }),
        ),
      );
    });
  return (
    <Card withBorder maw={560}>
      <Stack>
        <Title order={2} size="h4">
          {strings.practitioner.breakGlassTitle}
        </Title>
        <Alert color="red" variant="filled" role="note">
          <Text size="sm">{strings.practitioner.breakGlassWarning}</Text>
        </Alert>
        <Select
          label={strings.practitioner.reasonCode}
          data={REASONS.map((r) => ({ value: r, label: strings.emergencyReasons[r] ?? r }))}
          value={reason}
          onChange={(v) => v && setReason(v)}
          allowDeselect={false}
        />
        <ProblemAlert error={action.error} />
        {session ? (
          <Alert color="orange" role="status" data-testid="break-glass-open">
            {strings.practitioner.breakGlassOpen(remaining(session.expiresAt, now))}
          </Alert>
        ) : null}
        <Button color="red.8" onClick={open} loading={action.busy} disabled={session !== undefined}>
          {strings.practitioner.openBreakGlass}
        </Button>
      </Stack>
    </Card>
  );
}
