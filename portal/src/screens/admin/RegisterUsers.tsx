import { Button, Card, Select, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { Success } from '../../components/States';
import { useAction } from '../../components/use-load';
import { strings } from '../../i18n/strings';

/** Registers a patient, practitioner or admin of the admin's hospital. */
export function RegisterUsers() {
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<string>('patient');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const user = await call(
        api.POST('/v1/users', { body: { userId: userId.trim(), role: role as Schemas['Role'] } }),
      );
      setUserId('');
      return strings.admin.registered(user.userId, strings.roles[user.role] ?? user.role);
    });
  };
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.admin.registerTitle}
      </Title>
      <Card withBorder component="form" onSubmit={submit} maw={420}>
        <Stack>
          <TextInput
            label={strings.admin.userId}
            value={userId}
            onChange={(e) => setUserId(e.currentTarget.value)}
            required
            name="userId"
          />
          <Select
            label={strings.admin.role}
            data={(['patient', 'practitioner', 'admin'] as const).map((r) => ({
              value: r,
              label: strings.roles[r] ?? r,
            }))}
            value={role}
            onChange={(v) => v && setRole(v)}
            allowDeselect={false}
          />
          <ProblemAlert error={action.error} />
          <Success message={action.message} />
          <Button type="submit" loading={action.busy}>
            {strings.admin.register}
          </Button>
        </Stack>
      </Card>
    </Stack>
  );
}
